# kill -9 at random points, then the same command again: nothing lost, nothing counted twice, nothing left running.
# The random source is seeded (AVA_FAULT_SEED, else a fixed seed) and the seed is printed, so a failure replays.
BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    $script:fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
    $script:seed = if ($env:AVA_FAULT_SEED) { [int]$env:AVA_FAULT_SEED } else { 20261202 }
    Write-Host "fault injection seed: $seed (set AVA_FAULT_SEED to replay another)"
    $script:random = [Random]::new($seed)
    $script:influxAvailable = Test-InfluxDbAvailable
    if (-not $influxAvailable -and $env:CI -eq 'true') { throw 'influxd is not installed: .ci/run must install the influxdb package.' }
    if ($influxAvailable) { $script:influx = Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influx') }
    $script:savedUrl = $env:AVA_METRICS_URL
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    function Start-Job([string] $Workspace, [string] $Id, [string] $PidFile, [string] $MetricsUrl) {
        # The trainer replays a Caffe log shaped like the cifar10 quick run and records its pid: the 700 lines before its
        # first metric at once, then its 150 lines of metrics about 40 a second.
        $trainer = 'echo $$ >> "$2"; i=0; while IFS= read -r l; do printf ''%s\n'' "$l" >&2; i=$((i+1)); if [ $i -gt 700 ]; then sleep 0.025; fi; done < "$1"; exit 0'
        $script = Join-Path $Workspace "job-$Id.ps1"
        Set-Content $script ("Import-Module '$manifestPath'; `$env:AVA_WORKSPACE = '$Workspace'; `$env:AVA_METRICS_URL = '$MetricsUrl'; " +
            "New-AvaTrainInstance -Id $Id -WarningAction SilentlyContinue | Out-Null; " +
            "Invoke-AvaTraining sh -ArgumentList '-c', '$($trainer -replace "'", "''")', 'replay', '$fixture', '$PidFile' -Framework Caffe -WarningAction SilentlyContinue | Out-Null")
        Start-ChildPwsh $script
    }
    # A metrics endpoint that answers each write only after DelayMs, then as InfluxDB did (tests/oracles/slow_proxy.py).
    function Start-SlowProxy([string] $Target, [int] $DelayMs) {
        $info = [System.Diagnostics.ProcessStartInfo]::new('python3')
        foreach ($argument in "$PSScriptRoot/oracles/slow_proxy.py", $Target, $DelayMs) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardInput = $true
        $proxy = [System.Diagnostics.Process]::Start($info)
        $first = $proxy.StandardOutput.ReadLineAsync()
        if (-not $first.Wait(20000) -or $first.Result -notmatch '^listening (http://\S+)$') { throw "slow_proxy.py did not start: '$($first.Result)'" }
        $proxy | Add-Member -NotePropertyName Url -NotePropertyValue $Matches[1] -PassThru
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

    It 'delivers every metric of metrics.jsonl to InfluxDB exactly once after the same job runs again (round <Round>, reporter answering after <SlowMs> ms)' -ForEach @(
        @{ Round = 1; SlowMs = 0 }, @{ Round = 2; SlowMs = 0 }, @{ Round = 3; SlowMs = 0 }, @{ Round = 4; SlowMs = 1500 }
    ) {
        $round = $Round
        # A slow endpoint keeps the killed run's reporter behind its metrics.jsonl: more to deliver afterwards, some in flight.
        $proxy = if ($SlowMs) { Start-SlowProxy $influx.BaseUrl $SlowMs }
        $metricsUrl = if ($proxy) { "$($proxy.Url)/write?db=$($influx.Database)" } else { $influx.WriteUrl }
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive "round-$round")).FullName
        $id = "killed-$round"
        $pidFile = Join-Path $workspace 'trainer.pid'
        $killAfterMs = $random.Next(0, 2500)
        Write-Host "round $($round): kill -9 $killAfterMs ms after the first metric"

        $job = Start-Job $workspace $id $pidFile $metricsUrl
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
            if ($proxy) { $proxy.StandardInput.Close(); if (-not $proxy.WaitForExit(10000)) { $proxy.Kill() } }
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

Describe 'A transfer killed with -9' {
    BeforeAll {
        Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
        $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
        $script:key = $kodo.Credential.GetNetworkCredential()
        foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_BUCKET_DOMAIN', 'AVA_RESUME_DIR') { Set-Item "env:$name" $null }
        function Start-ChildCommand([string] $Folder, [string] $Command) {
            $script = Join-Path $Folder "command-$([guid]::NewGuid()).ps1"
            Set-Content $script ("Import-Module '$manifestPath'; `$env:AVA_WORKSPACE = '$Folder'; " +
                "`$credential = [pscredential]::new('$($key.UserName)', (ConvertTo-SecureString '$($key.Password)' -AsPlainText -Force)); $Command")
            Start-ChildPwsh $script
        }
        function Stop-Hard($Process) {
            try { Stop-Process -Id $Process.Id -Force -ErrorAction Stop } catch { $Process.HasExited | Should -BeTrue }
            $Process.WaitForExit()
        }
    }
    AfterAll { Stop-TestKodo $kodo }

    It 'uploads whole after a kill at a random part, and the stored hash is the file''s (round <_>)' -ForEach 1, 2 {
        $round = $_
        $folder = (New-Item -ItemType Directory (Join-Path $TestDrive "upload-$round")).FullName
        $file = New-TestFile "$folder/weights.params" (8MB) -Seed $round
        Reset-TestKodo $kodo
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 150 -Count 1000
        $killAfterMs = $random.Next(0, 900)
        Write-Host "upload round $($round): kill -9 $killAfterMs ms after the first part arrived"
        $send = Start-ChildCommand $folder "Send-AvaFile '$($file.FullName)' -Key 'faults/weights-$round.params' -Bucket models -Credential `$credential -UploadHost '$($kodo.Url)' -PartSize 1MB -ThrottleLimit 1 | Out-Null"
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while ((Get-TestKodoStats $kodo).parts.Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            Start-Sleep -Milliseconds $killAfterMs
            Stop-Hard $send
        } finally { if (-not $send.HasExited) { $send.Kill($true) } }

        Reset-TestKodo $kodo
        $stored = Send-AvaFile $file.FullName -Key "faults/weights-$round.params" -Bucket models -Credential $kodo.Credential -UploadHost $kodo.Url -PartSize 1MB
        $expected = Get-IndependentEtagV2 $file.FullName
        $stored.Hash | Should -Be $expected
        (Get-TestKodoObject $kodo models "faults/weights-$round.params").hash | Should -Be $expected
        Get-ChildItem $folder -Force | Where-Object Name -notlike 'command-*' | ForEach-Object Name | Should -Be 'weights.params' -Because 'no resume record, lock or temp file is left'
    }

    It 'downloads whole after a kill before or during the body, leaving no partial file (round <_>)' -ForEach 1, 2 {
        $round = $_
        $folder = (New-Item -ItemType Directory (Join-Path $TestDrive "download-$round")).FullName
        $source = New-TestFile (Join-Path $TestDrive "source-$round.rec") (6MB) -Seed (10 + $round)
        Send-AvaFile $source.FullName -Key "faults/data-$round.rec" -Bucket data -Credential $kodo.Credential -UploadHost $kodo.Url -Force | Out-Null
        Reset-TestKodo $kodo
        $midBody = $random.Next(2) -eq 1
        Write-Host "download round $($round): kill -9 $(if ($midBody) { 'in the middle of the body' } else { 'before the answer' })"
        if ($midBody) { Set-TestKodoStall $kodo -Ms 600000 -Path '/download' -Count 1 } else { Set-TestKodoFailure $kodo -Path '/download' -Method GET -DelayMs 600000 -Count 1 }
        $receive = Start-ChildCommand $folder "Receive-AvaFile 'qiniu://data/faults/data-$round.rec' '$folder/' -Credential `$credential -Domain '$($kodo.Url)/download/data' -TimeoutSec 600 | Out-Null"
        try {
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            $ready = if ($midBody) { { Get-ChildItem $folder -Force -Filter '*.avasdk-partial' | Where-Object Length -ge 1MB } }
                else { { Get-TestKodoRequests $kodo | Where-Object { $_.method -eq 'GET' -and $_.target -like "/download/data/faults/data-$round.rec*" } } }
            while (-not (& $ready) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            & $ready | Should -BeTrue
            Stop-Hard $receive
        } finally { if (-not $receive.HasExited) { $receive.Kill($true) } }

        Reset-TestKodo $kodo
        $file = Receive-AvaFile "qiniu://data/faults/data-$round.rec" "$folder/" -Credential $kodo.Credential -Domain "$($kodo.Url)/download/data"
        (Get-FileHash $file.FullName).Hash | Should -Be (Get-FileHash $source.FullName).Hash
        Get-ChildItem $folder -Force | Where-Object Name -notlike 'command-*' | ForEach-Object Name | Should -Be "data-$round.rec" -Because 'no partial file is left'
    }
}

Describe 'A node of a multi-node job killed with -9' {
    BeforeAll {
        $script:savedJob = @{}
        foreach ($name in 'AVA_WORKSPACE', 'AVA_METRICS_URL', 'JOB_NAME', 'AVA_NODE', 'AVA_NUM_NODES', 'AVA_NODE_WAIT_SEC') { $savedJob[$name] = [Environment]::GetEnvironmentVariable($name) }
        # One node of a 3-node job in a pwsh of its own: it trains (the trainer records its pid) and completes its part.
        function Start-Node([string] $Workspace, [int] $Rank, [string] $Trainer, [string] $PidFile) {
            $script = Join-Path $Workspace "node-$Rank-$([guid]::NewGuid()).ps1"
            Set-Content $script ("`$env:AVA_WORKSPACE = '$Workspace'; `$env:JOB_NAME = 'atnet-training-dead0-job'; `$env:AVA_NUM_NODES = '3'; `$env:AVA_NODE = '$Rank'; " +
                "`$env:AVA_NODE_WAIT_SEC = '120'; `$env:AVA_METRICS_URL = `$null; Import-Module '$manifestPath'; " +
                "`$train = New-AvaTrainInstance -WarningAction SilentlyContinue; 'ID=' + `$train.Id; " +
                "`$null = Invoke-AvaTraining sh -ArgumentList '-c', '$Trainer', 'node', '$PidFile' -Framework Caffe -TrainInstance `$train -WarningAction SilentlyContinue; " +
                "Complete-AvaTrainInstance `$train -NoChart -WarningAction SilentlyContinue")
            Start-ChildPwsh $script
        }
    }
    AfterAll { foreach ($name in $savedJob.Keys) { [Environment]::SetEnvironmentVariable($name, $savedJob[$name]) } }

    It 'rank 0 killed and started again rejoins the instance ranks 1 and 2 finished, which it completes: one instance, done' {
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive 'dead-rank-0')).FullName
        $pidFile = Join-Path $workspace 'trainer.pid'
        $short = 'echo "Iteration 1, loss = 1"; echo "Iteration 2, loss = 0.5"'
        $long = 'echo $$ > "$1"; echo "Iteration 1, loss = 1"; exec sleep 600'
        $rank0 = Start-Node $workspace 0 $long $pidFile
        Wait-Until { Test-Path $pidFile } | Should -BeTrue -Because 'rank 0''s trainer starts'
        $others = 1, 2 | ForEach-Object { Start-Node $workspace $_ $short (Join-Path $workspace "unused-$_.pid") }
        foreach ($other in $others) { $other.WaitForExit(300000) | Should -BeTrue }
        Stop-Process -Id $rank0.Id -Force
        $rank0.WaitForExit()
        Stop-Process -Id ([int](Get-Content $pidFile)) -Force -ErrorAction Ignore

        $abandoned = @(Get-AvaTrainInstance -Workspace $workspace | Where-Object { $_.Status -eq 'Running' -and -not $_.OwnerAlive })
        $abandoned | Should -HaveCount 1 -Because 'the ranks that finished left the instance running, and no process owns it'
        $first = $abandoned[0].Id

        $restarted = Start-Node $workspace 0 $short (Join-Path $workspace 'unused-0.pid')
        $restarted.WaitForExit(300000) | Should -BeTrue
        $output = $restarted.Output.Result + $restarted.Errors.Result
        $output | Should -Match "ID=$first"
        $instances = @(Get-AvaTrainInstance -Workspace $workspace)
        $instances.Id | Should -Be @($first) -Because 'a job is never forked in two'
        $instances[0].Status | Should -Be 'Done'
        $instances[0].OwnerAlive | Should -BeFalse
        (Get-Content (Join-Path $workspace 'run/.jobs/*.json') -Raw | ConvertFrom-Json).id | Should -Be $first
    }
}
