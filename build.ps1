#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the AvaSdk module.
.DESCRIPTION
    Build    compiles the solution; the module's assemblies land in module/bin so that the root AvaSdk.psd1 imports.
    Test     Build, then the xunit tests (core library and test server), then the Pester specs in a child pwsh (so the built
             assemblies are not held by this session), then one summary line 'N passed, N failed'.
    Demo     Build, then runs examples/quickstart.ps1 in a child pwsh, in a temporary workspace it removes; its picture goes to
             <OutputPath>/demo/quickstart.png (printed), or with -RefreshDocsImage to docs/images/quickstart.png, the
             picture in the README. With -Nodes N (2 or more), examples/multi-node.ps1 instead: N processes of one job, as
             a distributed launcher starts them, sharing one instance (in a temporary workspace it removes too). -NoBuild runs what the last build left.
    Package  Build, then lays out out/AvaSdk/<version>, checks its manifest, and packs it into out/AvaSdk.<version>.nupkg,
             which Publish-PSResource -NupkgPath sends to any feed (a gallery, Azure Artifacts, a NuGet server, a file share).
             -NoBuild packs what the last build left; -OutputPath puts both elsewhere.
    Benchmark  Build, then the parser benchmarks (BenchmarkDotNet), the end-to-end training overhead script, and
               the 1 GiB transfer benchmark against curl.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Benchmark')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Package and Demo: where the package (or the demo's picture) goes, and whether to build first.
    [string] $OutputPath = (Join-Path $PSScriptRoot 'out'),
    [switch] $NoBuild,

    # Demo only: how many nodes the demo job has.
    [ValidateRange(1, 64)]
    [int] $Nodes = 1,

    # Demo only: redraw docs/images/quickstart.png, the tracked picture in the README, instead of <OutputPath>/demo.
    [switch] $RefreshDocsImage
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$root = $PSScriptRoot
$results = Join-Path $root 'tests/results'
# Every spec skipped for want of the real logs says so in its reason (tests/helpers/TestFixtures.psm1, tests/AvaSdk.Core.Tests/Fixtures.cs).
$fixtureSkipMark = 'set AVASDK_FIXTURES'

function Invoke-Native {
    param([string] $Command, [string[]] $Arguments)
    & $Command @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$Command $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

# A child pwsh of the same installation: under 'dotnet pwsh' the process is dotnet and pwsh.dll is its argument.
function Invoke-ChildPwsh {
    param([string[]] $Arguments)
    $process = [Environment]::ProcessPath
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    & $process @prefix -NoProfile -NonInteractive @Arguments | Out-Host
    $LASTEXITCODE
}

function Invoke-Build {
    Invoke-Native dotnet @('build', (Join-Path $root 'AvaPs.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    # The help is written in Markdown (docs/); the MAML and about topic are built from it. PowerShell finds a binary
    # module's help only in <ModuleBase>/<culture>, and the root manifest makes the repository root the ModuleBase.
    $helpBuilder = Join-Path $root "src/AvaSdk.HelpBuilder/bin/$Configuration/net8.0/AvaSdk.HelpBuilder.dll"
    Invoke-Native dotnet @($helpBuilder, (Join-Path $root 'docs'), (Join-Path $root 'en-US'), 'AvaSdk.PowerShell.dll')
    if (Get-ChildItem (Join-Path $root 'module/bin') -Recurse -Filter 'System.Management.Automation.dll') {
        throw 'module/bin holds System.Management.Automation.dll: the engine assembly must never ship in the module.'
    }
}

function Get-PesterManifest {
    Invoke-Native dotnet @('restore', (Join-Path $root 'tests/tools/TestTools.csproj'), '--nologo', '-v', 'quiet')
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Join-Path $packages.Trim() 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester was restored but '$manifest' is missing." }
    $manifest
}

# Every xunit project: the core library's tests and the test server's own (its Kodo and AVA protocol code against the vectors).
function Invoke-XunitTests {
    $total = [pscustomobject]@{ Passed = 0; Failed = 0; Skipped = 0; SkippedForFixtures = 0 }
    foreach ($project in 'AvaSdk.Core.Tests', 'AvaSdk.TestServer.Tests', 'AvaSdk.TestServer.AvaTests') {
        $trx = Join-Path $results "xunit-$project.trx"
        Remove-Item $trx -ErrorAction Ignore
        & dotnet test (Join-Path $root "tests/$project") -c $Configuration --no-build --nologo `
            --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal' | Out-Host
        if (-not (Test-Path $trx)) { throw "xunit wrote no results for $($project): the test run did not start." }
        $run = ([xml](Get-Content $trx -Raw)).TestRun
        $counters = $run.ResultSummary.Counters
        $total.SkippedForFixtures += @($run.Results.UnitTestResult | Where-Object { $_.outcome -eq 'NotExecuted' -and "$($_.Output.ErrorInfo.Message)" -match $fixtureSkipMark }).Count
        $total.Passed += [int]$counters.passed
        $total.Failed += [int]$counters.failed + [int]$counters.error
        # xunit leaves notExecuted at 0 and counts a skipped test only in total.
        $total.Skipped += [int]$counters.total - [int]$counters.executed
    }
    $total
}

function Invoke-PesterTests {
    $summary = Join-Path $results 'pester.json'
    Remove-Item $summary -ErrorAction Ignore
    $runner = Join-Path $root 'tests/Invoke-PesterSpecs.ps1'
    $null = Invoke-ChildPwsh @('-File', $runner, '-PesterManifest', (Get-PesterManifest), '-SummaryPath', $summary, '-FixtureSkipMark', $fixtureSkipMark)
    if (-not (Test-Path $summary)) { throw 'Pester wrote no summary: the run did not complete.' }
    Get-Content $summary -Raw | ConvertFrom-Json
}

# What git would show as new or changed in the repository (ignored build output aside); nothing outside a git checkout.
function Get-RepositoryLeftovers {
    if (-not (Get-Command git -CommandType Application -ErrorAction Ignore) -or -not (Test-Path (Join-Path $root '.git'))) { return @() }
    @(& git -C $root status --porcelain --untracked-files=all 2>$null)
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Test' {
        Invoke-Build
        New-Item -ItemType Directory -Force -Path $results | Out-Null
        $before = Get-RepositoryLeftovers
        $xunit = Invoke-XunitTests
        $pester = Invoke-PesterTests
        # A test that writes into the repository (an ./ava-run of its own, a tool's settings in the current
        # directory) would leave it for the next run and for a commit: that counts as a failed test.
        $written = @(Get-RepositoryLeftovers | Where-Object { $_ -notin $before })
        if ($written.Count -gt 0) { Write-Host "The tests wrote into the repository (one failure): $($written -join ', ')" }
        foreach ($container in @($pester.ContainerFailures)) {
            Write-Host "Pester container failed ($([math]::Max(1, $container.FailedTests)) failure(s)): $($container.Path): $($container.Error)"
        }
        $passed = $xunit.Passed + $pester.Passed
        $failed = $xunit.Failed + $pester.Failed + [int]($written.Count -gt 0)
        $skipped = $xunit.Skipped + $pester.Skipped
        $skippedForFixtures = $xunit.SkippedForFixtures + $pester.SkippedForFixtures
        if ($skippedForFixtures -gt 0) {
            Write-Host "$skippedForFixtures spec(s) skipped: they replay real training logs, which are not in '$(if ($env:AVASDK_FIXTURES) { $env:AVASDK_FIXTURES } else { '../shared/fixtures' })' (set AVASDK_FIXTURES to a folder laid out like ../shared/fixtures to run them)."
        }
        Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
        Write-Host "pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
        Write-Host "$passed passed, $failed failed, $skipped skipped"
        if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
    }
    'Demo' {
        if (-not $NoBuild) { Invoke-Build }
        $chart = if ($RefreshDocsImage) { Join-Path $root 'docs/images/quickstart.png' } else { Join-Path $OutputPath 'demo/quickstart.png' }
        New-Item -ItemType Directory -Force -Path (Split-Path $chart) | Out-Null
        $demo = if ($Nodes -gt 1) { @('-File', (Join-Path $root 'examples/multi-node.ps1'), '-Nodes', $Nodes) } else { @('-File', (Join-Path $root 'examples/quickstart.ps1'), '-ChartPath', $chart) }
        $code = Invoke-ChildPwsh $demo
        if ($code -ne 0) { throw "$($demo[1]) failed with exit code $code." }
    }
    'Benchmark' {
        Invoke-Build
        if (-not $env:AVASDK_FIXTURES) { $env:AVASDK_FIXTURES = Join-Path $root '../shared/fixtures' }
        Invoke-Native dotnet @('run', '--project', (Join-Path $root 'bench/AvaSdk.Benchmarks'), '-c', 'Release', '--no-build')
        foreach ($script in 'Measure-TrainingOverhead.ps1', 'Measure-Transfers.ps1') {
            $code = Invoke-ChildPwsh @('-File', (Join-Path $root "bench/$script"))
            if ($code -ne 0) { throw "bench/$script failed with exit code $code." }
        }
    }
    'Package' {
        if (-not $NoBuild) { Invoke-Build }
        $version = (Import-PowerShellDataFile (Join-Path $root 'AvaSdk.psd1')).ModuleVersion
        $target = Join-Path $OutputPath "AvaSdk/$version"
        Remove-Item $target -Recurse -Force -ErrorAction Ignore
        New-Item -ItemType Directory -Force -Path (Join-Path $target 'module/bin/dependencies') | Out-Null
        Copy-Item (Join-Path $root 'AvaSdk.psd1'), (Join-Path $root 'README.md'), (Join-Path $root 'LICENSE') $target
        # The charts' font is inside AvaSdk.Core.dll; its license asks to travel with every copy.
        Copy-Item (Join-Path $root 'src/AvaSdk.Core/Charts/Fonts/DejaVuSans-LICENSE.txt') $target
        Copy-Item (Join-Path $root 'module/*.ps1xml') (Join-Path $target 'module')
        Copy-Item (Join-Path $root 'module/bin/*.dll') (Join-Path $target 'module/bin')
        Copy-Item (Join-Path $root 'module/bin/dependencies/*.dll') (Join-Path $target 'module/bin/dependencies')
        # SkiaSharp's native libraries, runtimes/<rid>/native/, which the loader loads for the charts.
        Copy-Item (Join-Path $root 'module/bin/dependencies/runtimes') (Join-Path $target 'module/bin/dependencies') -Recurse
        Copy-Item (Join-Path $root 'en-US') $target -Recurse
        # The README links the guide's pages (and shows the quickstart picture): they ship with it, so the links work
        # in an installed module's folder too.
        New-Item -ItemType Directory -Force -Path (Join-Path $target 'docs') | Out-Null
        Copy-Item (Join-Path $root 'docs/guide'), (Join-Path $root 'docs/images') (Join-Path $target 'docs') -Recurse
        $manifest = Test-ModuleManifest (Join-Path $target 'AvaSdk.psd1')
        $nupkg = Join-Path $OutputPath "AvaSdk.$version.nupkg"
        Remove-Item $nupkg -Force -ErrorAction Ignore
        # Compress-PSResource (PSResourceGet, in PowerShell 7.4+) packs as Publish-PSResource would, without a feed.
        Compress-PSResource -Path $target -DestinationPath $OutputPath
        if (-not (Test-Path $nupkg)) { throw "Compress-PSResource did not write '$nupkg'." }
        Write-Host "Packaged $($manifest.Name) $($manifest.Version) in $target and $nupkg"
    }
}
