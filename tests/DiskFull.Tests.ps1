# A full disk while training: the trainer never waits on it, what is kept is whole, nothing is sent that metrics.jsonl
# does not hold, and the command stops with AvaDiskFull. The workspace is a 1 MiB tmpfs (mounting needs root, as in CI).
BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    $script:probe = Start-TestKodo -Folder (Join-Path $TestDrive 'probe')
    $script:savedUrl = $env:AVA_METRICS_URL
    $script:disk = (New-Item -ItemType Directory (Join-Path $TestDrive 'small-disk')).FullName
    & mount -t tmpfs -o size=1m tmpfs $disk 2>$null
    $script:mounted = $LASTEXITCODE -eq 0
    $script:logDisk = (New-Item -ItemType Directory (Join-Path $TestDrive 'log-disk')).FullName
    if ($mounted) { & mount -t tmpfs -o size=2m tmpfs $logDisk }
    if (-not $mounted -and $env:CI -eq 'true') { throw 'CI runs as root and must be able to mount a tmpfs for the full-disk spec.' }
}
AfterAll {
    # Lazily: the instance's ava.log stays open until it is completed, which a full disk does not allow.
    if ($mounted) { & umount -l $disk; & umount -l $logDisk }
    Stop-TestKodo $probe
    $env:AVA_METRICS_URL = $savedUrl
}

Describe 'A full disk' {
    BeforeEach {
        if (-not $mounted) { Set-ItResult -Skipped -Because 'mounting a tmpfs needs root; CI runs as root' }
    }

    It 'keeps whole lines and records, lets the trainer finish, sends only what metrics.jsonl holds, and stops with AvaDiskFull' {
        $env:AVA_METRICS_URL = "$($probe.Url)/v1/report/trainings/full/metric"
        $train = New-AvaTrainInstance -Id full -Workspace $disk
        $finished = Join-Path $TestDrive 'trainer-finished'
        # About 1.3 MB of log and 9 MB of metrics.jsonl: the disk fills early, the trainer writes on to the end.
        $trainer = "i=0; while [ `$i -lt 50000 ]; do echo ""step `$i loss = 0.`$i""; i=`$((i+1)); done; touch '$finished'"
        $err = { Invoke-AvaTraining sh -ArgumentList '-c', $trainer -MetricDefinition @{ Name = 'loss'; Regex = 'loss = (\S+)' } -TrainInstance $train |
            Out-Null } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaDiskFull,*'
        $err.CategoryInfo.Category | Should -Be 'WriteError'
        $err.Exception.Message | Should -BeLike "*Free space in '$($train.RunPath)'*"
        $finished | Should -Exist -Because 'the trainer is never held by a full disk'

        $logged = @(Get-Content (Join-Path $train.LogPath 'training.log'))
        $logged.Count | Should -BeGreaterThan 0
        $logged | Where-Object { $_ -notmatch '^step \d+ loss = 0\.\d+$' } | Should -BeNullOrEmpty -Because 'training.log holds whole lines only'
        $records = @(Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        $records.Count | Should -BeGreaterThan 0
        $records.Count | Should -BeLessThan 50000
        $sent = @((Get-TestAvaRecord $probe).metrics | Where-Object { $_ -like 'ava_metric_training_loss,*' } |
            ForEach-Object { [double](($_ -split ' ')[1] -replace '^value=') })
        ($sent | Sort-Object) -join ',' | Should -Be ((@($records.value) | ForEach-Object { [double]$_ } | Sort-Object) -join ',') -Because 'exactly what metrics.jsonl holds reached the endpoint'
    }
}

Describe 'A full disk of raw output' {
    BeforeAll {
        $script:chattyProbe = Start-TestKodo -Folder (Join-Path $TestDrive 'chatty-probe')
    }
    AfterAll {
        Stop-TestKodo $chattyProbe
    }
    BeforeEach {
        if (-not $mounted) { Set-ItResult -Skipped -Because 'mounting a tmpfs needs root; CI runs as root' }
    }

    It 'stops training.log short of the reserve, and still records and sends every metric that follows' {
        $env:AVA_METRICS_URL = "$($chattyProbe.Url)/v1/report/trainings/chatty/metric"
        $train = New-AvaTrainInstance -Id chatty -Workspace $logDisk
        # 4 MB of lines no parser wants (twice the volume), then 300 metric lines.
        $trainer = "head -c 4000000 /dev/zero | tr '\0' x | fold -w 99; i=0; while [ `$i -lt 300 ]; do echo ""step `$i loss = `$i""; i=`$((i+1)); done"
        Invoke-AvaTraining sh -ArgumentList '-c', $trainer -MetricDefinition @{ Name = 'loss'; Regex = 'loss = (\S+)' } -TrainInstance $train `
            -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null

        $warnings | Where-Object { $_ -like '*AvaTrainingLogStopped*' } | Should -HaveCount 1
        $warnings | Where-Object { $_ -like '*AvaLogLinesDropped*' } | Should -BeNullOrEmpty -Because 'the parser kept up with what waited in memory'
        $logged = @(Get-Content (Join-Path $train.LogPath 'training.log'))
        $logged.Count | Should -BeGreaterThan 0
        $logged | Where-Object { $_ -ne ('x' * 99) } | Should -BeNullOrEmpty -Because 'training.log holds whole lines only, and stopped before the metrics'
        $records = @(Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | ForEach-Object { $_ | ConvertFrom-Json })
        @($records.value | Sort-Object) -join ',' | Should -Be ((0..299) -join ',') -Because 'every metric that reached the pipeline is recorded'
        $sent = @((Get-TestAvaRecord $chattyProbe).metrics | Where-Object { $_ -like 'ava_metric_training_loss,*' } |
            ForEach-Object { [double](($_ -split ' ')[1] -replace '^value=') })
        ($sent | Sort-Object) -join ',' | Should -Be ((0..299) -join ',') -Because 'and reaches the endpoint'
    }
}
