<#
.SYNOPSIS
    Runs every tests/*.Tests.ps1 with Pester and writes the counts to a JSON file for build.ps1.
.DESCRIPTION
    Failed counts each failed test once. A file (container) that failed outside its tests (in discovery, BeforeAll or
    AfterAll) counts as at least one failure: its failed tests, or 1 when none of its tests failed. Those containers
    are listed with their first error in ContainerFailures, which build.ps1 prints above the summary.
#>
param(
    [Parameter(Mandatory)] [string] $PesterManifest,
    [Parameter(Mandatory)] [string] $SummaryPath,
    # Text found in the reason of every spec skipped for want of the real logs.
    [Parameter(Mandatory)] [string] $FixtureSkipMark
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterManifest -Force
$configuration = New-PesterConfiguration
$configuration.Run.Path = $PSScriptRoot
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputPath = Join-Path (Split-Path $SummaryPath) 'pester.xml'
$result = Invoke-Pester -Configuration $configuration

function Get-BlockTree($Block) { $Block; foreach ($child in $Block.Blocks) { Get-BlockTree $child } }

$containerFailures = @(foreach ($container in $result.Containers) {
        $blocks = @(foreach ($block in $container.Blocks) { Get-BlockTree $block })
        # A block fails of itself when its BeforeAll or AfterAll does (a failed test marks its block failed too).
        $failedBlocks = @($blocks | Where-Object { $_.ErrorRecord.Count -gt 0 })
        # The container's own errors: discovery, or a BeforeAll/AfterAll at the top of the file.
        if ($container.ErrorRecord.Count -eq 0 -and $failedBlocks.Count -eq 0) { continue }
        $failedTests = @($blocks | ForEach-Object Tests | Where-Object Result -eq 'Failed').Count
        $errors = @($container.ErrorRecord) + @($failedBlocks | ForEach-Object ErrorRecord) | Where-Object { $_ }
        [pscustomobject]@{
            Path        = "$($container.Item)"
            FailedTests = $failedTests
            Error       = "$(@($errors)[0])" -replace '\s+', ' '
        }
    })
$extra = ($containerFailures | Where-Object FailedTests -eq 0 | Measure-Object).Count
[pscustomobject]@{
    Passed             = $result.PassedCount
    Failed             = $result.FailedCount + $extra
    Skipped            = $result.SkippedCount + $result.NotRunCount
    SkippedForFixtures = @($result.Skipped | Where-Object { "$($_.ErrorRecord)" -match $FixtureSkipMark }).Count
    ContainerFailures  = @($containerFailures)
} | ConvertTo-Json -Depth 3 | Set-Content -Path $SummaryPath
