BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
    $script:saved = @{}
    foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_METRICS_URL') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    # Caffe writes a snapshot and its solver state, then logs both.
    $script:trainer = 'mkdir -p snap; head -c 5000000 /dev/urandom > snap/net_iter_500.caffemodel; echo "Snapshotting to binary proto file snap/net_iter_500.caffemodel" >&2; echo state > snap/net_iter_500.solverstate; echo "Snapshotting solver state to binary proto file snap/net_iter_500.solverstate" >&2; echo "Iteration 500, loss = 1" >&2'
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

    It 'sends each snapshot under ava/default/models/ and the instance id, and Complete-AvaTrainInstance waits for it' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        # Slow parts, so the uploads are still running when training ends.
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 400 -Count 10
        $train = New-AvaTrainInstance -Id snap1 -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe
        Get-TestKodoObject $kodo jobs 'ava/default/models/snap1/net_iter_500.caffemodel' | Should -BeNullOrEmpty
        Complete-AvaTrainInstance $train
        $model = Get-TestKodoObject $kodo jobs 'ava/default/models/snap1/net_iter_500.caffemodel'
        $model.size | Should -Be 5000000
        (Get-TestKodoObject $kodo jobs 'ava/default/models/snap1/net_iter_500.solverstate').size | Should -Be 6
        Join-Path $train.LogPath 'ava.log' | Should -FileContentMatch 'Sent .*net_iter_500.caffemodel'
    }

    It 'uses -SnapshotKeyPrefix, and retries a failing upload' {
        $workspaceConfig = Join-Path $workspace 'config'
        New-Item -ItemType Directory $workspaceConfig | Out-Null
        @{ key = $kodo.AccessKey; secret = $kodo.SecretKey; bucket = 'userjobs' } | ConvertTo-Json | Set-Content "$workspaceConfig/user"
        $env:AVA_UP_HOST = $kodo.Url
        Set-TestKodoFailure $kodo -Path '/' -Method POST -Status 503 -Count 1
        $train = New-AvaTrainInstance -Id snap2 -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe -SnapshotKeyPrefix 'mine/run2'
        Complete-AvaTrainInstance $train -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        (Get-TestKodoObject $kodo userjobs 'mine/run2/net_iter_500.solverstate').size | Should -Be 6
        (Get-TestKodoObject $kodo userjobs 'mine/run2/net_iter_500.caffemodel').size | Should -Be 5000000
    }

    It 'warns at completion about a snapshot that could not be sent, and keeps it on disk' {
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = 'not-the-secret'; $env:AVA_BUCKET = 'jobs'; $env:AVA_UP_HOST = $kodo.Url
        $train = New-AvaTrainInstance -Id snap3 -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe
        Complete-AvaTrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Message -join "`n" | Should -Match 'net_iter_500.caffemodel.*was not uploaded.*Send-AvaFile'
        $warnings.Message -join "`n" | Should -Not -Match 'not-the-secret'
        Join-Path $train.SnapshotPath 'net_iter_500.caffemodel' | Should -Exist
    }

    It 'uploads nothing when no bucket or credentials are configured' {
        $train = New-AvaTrainInstance -Id snap4 -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe
        Complete-AvaTrainInstance $train
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Join-Path $train.SnapshotPath 'net_iter_500.caffemodel' | Should -Exist
    }
}
