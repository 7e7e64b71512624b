# kill -9 at random points, then the same command again: nothing lost, nothing counted twice, nothing left running.
# The random source is seeded (AVA_FAULT_SEED, else a fixed seed) and the seed is printed, so a failure replays.
BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    $script:fixture = (Resolve-Path "$PSScriptRoot/../../shared/fixtures/caffe/aieater-rocm_caffe_informations-cifar10.log").Path
    $script:seed = if ($env:AVA_FAULT_SEED) { [int]$env:AVA_FAULT_SEED } else { 20261202 }
    Write-Host "fault injection seed: $seed (set AVA_FAULT_SEED to replay another)"
    $script:random = [Random]::new($seed)
    $script:influxAvailable = Test-InfluxDbAvailable
    if (-not $influxAvailable -and $env:CI -eq 'true') { throw 'influxd is not installed: .ci/run must install the influxdb package.' }
    if ($influxAvailable) { $script:influx = Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influx') }
    $script:savedUrl = $env:AVA_METRICS_URL

    function Test-Running([int] $ProcessId) {
        $stat = "/proc/$ProcessId/stat"
        (Test-Path $stat) -and ((Get-Content $stat -Raw -ErrorAction Ignore) -replace '^.*\) ', '') -notmatch '^[ZX]'
    }
    function Start-Job([string] $Workspace, [string] $Id, [string] $PidFile) {
        # The trainer replays a real Caffe log and records its pid: the 700 lines before its first metric at once, then
        # its 158 lines of metrics about 40 a second.
        $trainer = 'echo $$ >> "$2"; i=0; while IFS= read -r l; do printf ''%s\n'' "$l" >&2; i=$((i+1)); if [ $i -gt 700 ]; then sleep 0.025; fi; done < "$1"; exit 0'
        $script = Join-Path $Workspace "job-$Id.ps1"
        Set-Content $script ("Import-Module '$manifestPath'; `$env:AVA_WORKSPACE = '$Workspace'; `$env:AVA_METRICS_URL = '$($influx.WriteUrl)'; " +
            "New-AvaTrainInstance -Id $Id -WarningAction SilentlyContinue | Out-Null; " +
            "Invoke-AvaTraining sh -ArgumentList '-c', '$($trainer -replace "'", "''")', 'replay', '$fixture', '$PidFile' -Framework Caffe -WarningAction SilentlyContinue | Out-Null")
        $info = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
        if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $script) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        [Diagnostics.Process]::Start($info)
    }
}
AfterAll {
    Stop-TestInfluxDb $influx
    $env:AVA_METRICS_URL = $savedUrl
}

Describe 'A training run killed with -9' {
    BeforeEach {
        if (-not $influxAvailable) { Set-ItResult -Skipped -Because 'influxd is not installed on this machine (apt-get install influxdb); CI installs it' }
    }

    It 'delivers every metric of metrics.jsonl to InfluxDB exactly once after the same job runs again (round <_>)' -ForEach 1, 2, 3 {
        $round = $_
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive "round-$round")).FullName
        $id = "killed-$round"
        $pidFile = Join-Path $workspace 'trainer.pid'
        $killAfterMs = $random.Next(0, 2500)
        Write-Host "round $($round): kill -9 $killAfterMs ms after the first metric"

        $job = Start-Job $workspace $id $pidFile
        try {
            $jsonl = "$workspace/run/$id/metrics.jsonl"
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not ((Test-Path $jsonl) -and (Get-Item $jsonl).Length -gt 0) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Start-Sleep -Milliseconds $killAfterMs
            $job.HasExited | Should -BeFalse -Because 'the kill must land while the job runs'
            Stop-Process -Id $job.Id -Force
            $job.WaitForExit()
        } finally {
            if (-not $job.HasExited) { $job.Kill($true) }
        }

        Write-Host "round $($round): after the kill metrics.jsonl holds $(@(Get-Content $jsonl).Count) record(s), InfluxDB $(@(Get-InfluxPoint $influx | Where-Object id -eq $id).Count) point(s)"
        # The same job again, in this process: it takes the instance over, sends what the killed run left, runs, completes.
        $env:AVA_WORKSPACE = $workspace
        $env:AVA_METRICS_URL = $influx.WriteUrl
        $train = New-AvaTrainInstance -Id $id -WarningAction SilentlyContinue
        Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'replay', $fixture -Framework Caffe -WarningAction SilentlyContinue | Out-Null
        Complete-AvaTrainInstance $train -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty

        $lines = Get-Content $jsonl
        $records = foreach ($line in $lines) { $line | ConvertFrom-Json -ErrorAction Stop }
        $finite = @($records | Where-Object { $_.value -is [double] -or $_.value -is [long] -or $_.value -is [int] -or $_.value -is [decimal] })
        $finite.Count | Should -BeGreaterThan 0
        $points = @(Get-InfluxPoint $influx | Where-Object id -eq $id)
        $points.Count | Should -Be $finite.Count -Because 'every finite metric of metrics.jsonl is one point in InfluxDB, none lost and none twice'
        foreach ($trainer in Get-Content $pidFile) { Test-Running ([int]$trainer) | Should -BeFalse -Because "trainer $trainer must not outlive its pwsh" }
        Get-ChildItem $workspace -Recurse -Force -Filter '*.tmp' | Should -BeNullOrEmpty
    }
}
