# The test command's own promises: it counts honestly, and a clone without the real logs skips (never fails) the specs
# that need them, while CI (AVASDK_REQUIRE_FIXTURES=1) fails them. Each case runs the Pester runner of build.ps1 on
# spec files of its own, in a child pwsh.
BeforeAll {
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    $script:runner = (Resolve-Path "$PSScriptRoot/Invoke-PesterSpecs.ps1").Path
    $script:helpers = (Resolve-Path "$PSScriptRoot/helpers").Path
    $script:pester = (Get-Module Pester).Path -replace '\.psm1$', '.psd1'

    # Copies the runner beside the given spec files (it runs the specs of its own folder) and returns its summary.
    function Invoke-Runner([hashtable] $Specs, [hashtable] $Environment = @{}) {
        $folder = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        Copy-Item $runner $folder
        foreach ($name in $Specs.Keys) { Set-Content (Join-Path $folder $name) $Specs[$name] }
        $summary = Join-Path $folder 'summary.json'
        $script = Join-Path $TestDrive "run-$([guid]::NewGuid()).ps1"
        $settings = ($Environment.GetEnumerator() | ForEach-Object { "`$env:$($_.Key) = '$($_.Value)'" }) -join '; '
        Set-Content $script "$settings; & '$folder/Invoke-PesterSpecs.ps1' -PesterManifest '$pester' -SummaryPath '$summary' -FixtureSkipMark 'set AVASDK_FIXTURES' *> `$null"
        $null = Invoke-ChildScript $script
        Get-Content $summary -Raw | ConvertFrom-Json
    }
}

Describe 'The test summary' {
    It 'counts a file that fails in setup once per failed test, and a file that fails in discovery once, and names both' {
        $summary = Invoke-Runner @{
            'Setup.Tests.ps1'     = "BeforeAll { throw 'setup broke' }`nDescribe 'a' { It 'one' { }; It 'two' { } }"
            'Discovery.Tests.ps1' = "throw 'discovery broke'`nDescribe 'b' { It 'x' { } }"
            'Fine.Tests.ps1'      = "Describe 'c' { It 'passes' { 1 | Should -Be 1 }; It 'fails' { 1 | Should -Be 2 } }"
        }
        $summary.Passed | Should -Be 1
        $summary.Failed | Should -Be 4 -Because 'two tests of the broken setup, the file that never ran, and one failed test'
        @($summary.ContainerFailures).Count | Should -Be 2
        ($summary.ContainerFailures | Where-Object Path -like '*Setup.Tests.ps1').Error | Should -Match 'setup broke'
        ($summary.ContainerFailures | Where-Object Path -like '*Discovery.Tests.ps1').FailedTests | Should -Be 0
    }
}

Describe 'Specs that replay real logs' {
    BeforeAll {
        $script:spec = @"
BeforeAll { Import-Module '$helpers/TestFixtures.psm1' -Force }
Describe 'replay' {
    It 'needs a real log' { `$log = Get-TestFixture caffe/any.log; if (-not `$log) { return }; `$log | Should -Exist }
    It 'needs only a Caffe log' { (Get-Content (New-CaffeTestLog (Join-Path `$TestDrive 'c.log'))) -match 'solver.cpp:228\] Iteration 3900, loss' | Should -Not -BeNullOrEmpty }
}
"@
        $script:empty = (New-Item -ItemType Directory (Join-Path $TestDrive 'no-fixtures')).FullName
    }

    It 'are skipped with their reason where the real logs are absent, and the others still run' {
        $summary = Invoke-Runner @{ 'Replay.Tests.ps1' = $spec } -Environment @{ AVASDK_FIXTURES = $empty; AVASDK_REQUIRE_FIXTURES = '' }
        ($summary.Passed, $summary.Failed, $summary.Skipped, $summary.SkippedForFixtures) | Should -Be @(1, 0, 1, 1)
    }

    It 'run where AVASDK_FIXTURES points' {
        New-Item -ItemType File -Force (Join-Path $empty 'caffe/any.log') | Out-Null
        try {
            $summary = Invoke-Runner @{ 'Replay.Tests.ps1' = $spec } -Environment @{ AVASDK_FIXTURES = $empty }
            ($summary.Passed, $summary.Failed, $summary.Skipped) | Should -Be @(2, 0, 0)
        } finally { Remove-Item (Join-Path $empty 'caffe') -Recurse }
    }

    It 'fail instead under CI''s AVASDK_REQUIRE_FIXTURES=1' {
        $summary = Invoke-Runner @{ 'Replay.Tests.ps1' = $spec } -Environment @{ AVASDK_FIXTURES = $empty; AVASDK_REQUIRE_FIXTURES = '1' }
        ($summary.Passed, $summary.Failed, $summary.Skipped) | Should -Be @(1, 1, 0)
    }
}
