BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestArchive.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    $script:module = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
    $script:saved = @{}
    foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_METRICS_URL') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    # Caffe writes a snapshot and its solver state, then logs both; with 100 iterations an epoch, iteration 500 is epoch 5.
    $script:trainer = 'mkdir -p snap; head -c 5000000 /dev/urandom > snap/net_iter_500.caffemodel; echo "Snapshotting to binary proto file snap/net_iter_500.caffemodel" >&2; echo state > snap/net_iter_500.solverstate; echo "Snapshotting solver state to binary proto file snap/net_iter_500.solverstate" >&2; echo "Iteration 500, loss = 1" >&2'
    function Invoke-Trainer { Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe -BatchOfEpoch 100 @args }
    # The stand-in for `caffe train` in a child pwsh: a snapshot every 100 iterations.
    $script:pwsh = [Environment]::ProcessPath
    $script:fakeCaffe = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' }) +
        @('-NoProfile', '-File', (Resolve-Path "$PSScriptRoot/../examples/fake-caffe.ps1").Path, '-Iterations', '600', '-DelayMs', '0')
}
AfterAll {
    Stop-TestKodo $kodo
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Snapshot upload' {
    BeforeEach {
        Reset-TestKodo $kodo
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $workspace | Out-Null
        Push-Location $workspace
    }
    AfterEach {
        Pop-Location
        $env:AVA_ACCESS_KEY = $null; $env:AVA_SECRET_KEY = $null; $env:AVA_BUCKET = $null; $env:AVA_UP_HOST = $null
    }

    It 'sends an epoch''s snapshot as one model.tar.gz under ava/default/models/, and Complete-AvaTrainInstance waits for it' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        # Slow parts, so the upload is still running when training ends.
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 400 -Count 10
        $train = New-AvaTrainInstance -Id snap1 -Workspace $workspace
        $key = 'ava/default/models/snap1-snapshot-model:epoch_5/snapshots/model.tar.gz'
        $null = Invoke-Trainer
        Get-TestKodoObject $kodo jobs $key | Should -BeNullOrEmpty
        Complete-AvaTrainInstance $train
        (Get-TestKodoObject $kodo jobs $key).size | Should -BeGreaterThan 5000000
        Get-TestKodoArchiveMember $kodo jobs $key | Should -Be @('net_iter_500.caffemodel', 'net_iter_500.solverstate')
        Get-TestKodoObject $kodo jobs 'ava/default/models/snap1/net_iter_500.caffemodel' | Should -BeNullOrEmpty
        Join-Path $train.LogPath 'ava.log' | Should -FileContentMatch 'Sent .*snapshot-model-epoch_5\.\d+\.tar\.gz'
        # The archive is gone once stored; the snapshot and its copy stay.
        Get-ChildItem $train.RunPath -Filter '*.tar.gz*' | Should -BeNullOrEmpty
        (Get-ChildItem $train.SnapshotPath).Name | Should -Be @('net_iter_500.caffemodel', 'net_iter_500.solverstate')
        Join-Path $workspace 'snap/net_iter_500.caffemodel' | Should -Exist
    }

    It 'packs -OtherFiles into the models of every -EpochInterval-th epoch of a Caffe run, and keeps every snapshot' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        Set-Content labels.txt 'cat', 'dog'
        $deploy = Join-Path $TestDrive 'deploy.prototxt'
        Set-Content $deploy 'name: "quick"'
        $train = New-AvaTrainInstance -Id snap5 -Workspace $workspace
        $null = Invoke-AvaTraining $pwsh -ArgumentList $fakeCaffe -Framework Caffe -BatchOfEpoch 100 -EpochInterval 2 -OtherFiles 'labels.txt', $deploy
        Complete-AvaTrainInstance $train -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        foreach ($epoch in 2, 4, 6) {
            $members = Get-TestKodoArchiveMember $kodo jobs "ava/default/models/snap5-snapshot-model:epoch_$epoch/snapshots/model.tar.gz"
            $members | Should -Be @("quick_iter_$($epoch)00.caffemodel", "quick_iter_$($epoch)00.solverstate", 'labels.txt', 'deploy.prototxt')
        }
        foreach ($epoch in 1, 3, 5) {
            Get-TestKodoObject $kodo jobs "ava/default/models/snap5-snapshot-model:epoch_$epoch/snapshots/model.tar.gz" | Should -BeNullOrEmpty
        }
        (Get-TestKodoStats $kodo).requests.form | Should -Be 3
        foreach ($iteration in 100, 200, 300, 400, 500, 600) {
            Join-Path $train.SnapshotPath "quick_iter_$iteration.caffemodel" | Should -Exist
            Join-Path $workspace "snapshots/quick_iter_$iteration.solverstate" | Should -Exist
        }
    }

    It 'refuses a missing -OtherFiles file before the training starts' {
        $train = New-AvaTrainInstance -Id snap6 -Workspace $workspace
        { Invoke-AvaTraining sh -ArgumentList '-c', 'touch started' -Framework Caffe -OtherFiles 'missing.txt' -ErrorAction Stop } |
            Should -Throw -ErrorId 'AvaOtherFileNotFound,*' -ExpectedMessage "*$(Join-Path $workspace 'missing.txt')*"
        Join-Path $workspace 'started' | Should -Not -Exist
        Complete-AvaTrainInstance $train
    }

    It 'uses -SnapshotKeyPrefix, and retries a failing upload' {
        $workspaceConfig = Join-Path $workspace 'config'
        New-Item -ItemType Directory $workspaceConfig | Out-Null
        @{ key = $kodo.AccessKey; secret = $kodo.SecretKey; bucket = 'userjobs' } | ConvertTo-Json | Set-Content "$workspaceConfig/user"
        $env:AVA_UP_HOST = $kodo.Url
        Set-TestKodoFailure $kodo -Path '/' -Method POST -Status 503 -Count 1
        $train = New-AvaTrainInstance -Id snap2 -Workspace $workspace
        $null = Invoke-Trainer -SnapshotKeyPrefix 'mine/run2'
        Complete-AvaTrainInstance $train -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        Get-TestKodoArchiveMember $kodo userjobs 'mine/run2/snap2-snapshot-model:epoch_5/snapshots/model.tar.gz' |
            Should -Be @('net_iter_500.caffemodel', 'net_iter_500.solverstate')
    }

    It 'warns at completion about a model that could not be sent, and keeps it and the snapshot on disk' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = 'not-the-secret'; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        $train = New-AvaTrainInstance -Id snap3 -Workspace $workspace
        $null = Invoke-Trainer
        Complete-AvaTrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Message -join "`n" | Should -Match 'snapshot-model-epoch_5\.\d+\.tar\.gz.*was not uploaded.*Send-AvaFile'
        $warnings.Message -join "`n" | Should -Not -Match 'not-the-secret'
        Get-ChildItem $train.RunPath -Filter 'snapshot-model-epoch_5.*.tar.gz' | Should -HaveCount 1
        Join-Path $train.SnapshotPath 'net_iter_500.caffemodel' | Should -Exist
    }

    It 'warns that a snapshot without an epoch is not a model, and keeps it' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        $train = New-AvaTrainInstance -Id snap7 -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe -WarningVariable warnings -WarningAction SilentlyContinue
        Complete-AvaTrainInstance $train
        $warnings.Message -join "`n" | Should -Match 'no epoch.*-BatchOfEpoch'
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Join-Path $train.SnapshotPath 'net_iter_500.caffemodel' | Should -Exist
    }

    It 'sends, at the next command, the model a run killed with kill -9 was uploading' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        # Parts so slow that the child is still uploading (or about to) when it is killed; either way the model is owed.
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 5000 -Count 1000
        $script = Join-Path $TestDrive 'killed-upload.ps1'
        @"
Import-Module '$module'
Set-Location '$workspace'
`$train = New-AvaTrainInstance -Id killed -Workspace '$workspace'
`$null = Invoke-AvaTraining sh -ArgumentList '-c', '$trainer' -Framework Caffe -BatchOfEpoch 100
Complete-AvaTrainInstance `$train
"@ | Set-Content $script
        $child = Start-ChildPwsh $script
        $run = Join-Path $workspace 'run/killed'
        Wait-Until { Get-ChildItem $run -Filter 'snapshot-model-epoch_5*.tar.gz' -ErrorAction Ignore } | Should -BeTrue
        Start-Sleep -Milliseconds 500
        $child.Kill()
        $child.WaitForExit()
        $key = 'ava/default/models/killed-snapshot-model:epoch_5/snapshots/model.tar.gz'
        Get-TestKodoObject $kodo jobs $key | Should -BeNullOrEmpty
        Get-ChildItem $run -Filter 'snapshot-model-epoch_5*.tar.gz' | Should -HaveCount 1

        Reset-TestKodo $kodo
        $resumed = New-AvaTrainInstance -Id killed -Workspace $workspace -WarningAction SilentlyContinue
        Complete-AvaTrainInstance $resumed -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        Get-TestKodoArchiveMember $kodo jobs $key | Should -Be @('net_iter_500.caffemodel', 'net_iter_500.solverstate')
        Get-ChildItem "$run/outbox" -Filter '*.json' | Should -BeNullOrEmpty
        Get-ChildItem $run -Filter '*.tar.gz*' | Should -BeNullOrEmpty
    }

    It 'leaves the instance running when Complete-AvaTrainInstance is stopped (Ctrl+C), and the session''s next run and completion send everything' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 3000 -Count 2
        $train = New-AvaTrainInstance -Id stopped -Workspace $workspace
        $null = Invoke-Trainer
        # Ctrl+C while Complete-AvaTrainInstance waits for the upload: stopping its pipeline, in this process.
        $completing = [powershell]::Create().AddScript("Import-Module '$module'; Complete-AvaTrainInstance `$args[0]").AddArgument($train)
        $handle = $completing.BeginInvoke()
        Wait-Until { $completing.Streams.Progress.Count -gt 0 } | Should -BeTrue
        $completing.Stop()
        $completing.Dispose()
        $train.Status | Should -Be 'Running'
        (Get-Content (Join-Path $train.RunPath 'status.json') -Raw | ConvertFrom-Json).status | Should -Be 'running'

        $null = Invoke-Trainer
        Complete-AvaTrainInstance $train -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $train.Status | Should -Be 'Done'
        Get-TestKodoArchiveMember $kodo jobs 'ava/default/models/stopped-snapshot-model:epoch_5/snapshots/model.tar.gz' |
            Should -Be @('net_iter_500.caffemodel', 'net_iter_500.solverstate')
        Get-ChildItem (Join-Path $train.RunPath 'outbox') -Filter '*.json' | Should -BeNullOrEmpty
    }

    It 'uploads nothing when no bucket or credentials are configured' {
        $train = New-AvaTrainInstance -Id snap4 -Workspace $workspace
        $null = Invoke-Trainer
        Complete-AvaTrainInstance $train
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Join-Path $train.SnapshotPath 'net_iter_500.caffemodel' | Should -Exist
        Get-ChildItem $train.RunPath -Filter '*.tar.gz*' | Should -BeNullOrEmpty
    }
}
