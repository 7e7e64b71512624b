BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestArchive.psm1" -Force
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
        Join-Path $train.LogPath 'ava.log' | Should -FileContentMatch 'Sent .*snapshot-model-epoch_5.tar.gz'
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
        $warnings.Message -join "`n" | Should -Match 'snapshot-model-epoch_5.tar.gz.*was not uploaded.*Send-AvaFile'
        $warnings.Message -join "`n" | Should -Not -Match 'not-the-secret'
        Join-Path $train.RunPath 'snapshot-model-epoch_5.tar.gz' | Should -Exist
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

    It 'uploads nothing when no bucket or credentials are configured' {
        $train = New-AvaTrainInstance -Id snap4 -Workspace $workspace
        $null = Invoke-Trainer
        Complete-AvaTrainInstance $train
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Join-Path $train.SnapshotPath 'net_iter_500.caffemodel' | Should -Exist
        Get-ChildItem $train.RunPath -Filter '*.tar.gz*' | Should -BeNullOrEmpty
    }
}
