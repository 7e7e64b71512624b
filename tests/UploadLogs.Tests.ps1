BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestStoredObjects.psm1" -Force
    $script:kodoFolder = Join-Path $TestDrive 'kodo'
    $script:kodo = Start-TestKodo -Folder $kodoFolder
    $script:saved = @{}
    foreach ($name in 'AVA_WORKSPACE', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_API_HOST', 'AVA_METRICS_URL', 'AVA_TRAINING_NAME', 'AVA_TRAINING_INSTANCE_ID', 'AVA_RESUME_DIR', 'JOB_NAME') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    # A workspace with the job's credentials and a bucket of its own ($bucket: the server keeps objects from spec to spec);
    # with -Platform, the API and the training 'cifar-train'.
    function New-Workspace([switch] $Platform, [string] $SecretKey = $kodo.SecretKey, [switch] $NoBucket) {
        $workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory "$workspace/config", "$workspace/params" | Out-Null
        $script:bucket = 'logs-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        $user = @{ uid = 1380001; key = $kodo.AccessKey; secret = $SecretKey }
        if (-not $NoBucket) { $user.bucket = $bucket }
        $user | ConvertTo-Json | Set-Content "$workspace/config/user"
        if ($Platform) {
            @{ atnet_apiserver_host = $kodo.Url; atnet_status_host = $kodo.Url } | ConvertTo-Json | Set-Content "$workspace/config/worker"
            @{ name = 'cifar-train' } | ConvertTo-Json | Set-Content "$workspace/config/trainingspec"
        }
        $workspace
    }
    # A run's logs: training.log and ava.log from a real run and Write-AvaLog, plus nested files with hostile names, one of
    # them a second training.log (flattened to file names, the two would overwrite each other).
    function Add-RunLogs($Train) {
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 0.5" >&2' -Framework Caffe
        Write-AvaLog 'from the script'
        New-Item -ItemType Directory -Force (Join-Path $Train.LogPath 'sub dir'), (Join-Path $Train.LogPath 'node 1/deeper') | Out-Null
        Set-Content -LiteralPath (Join-Path $Train.LogPath 'sub dir/ünïcödé ✓.log') 'unicode'
        Set-Content -LiteralPath (Join-Path $Train.LogPath 'node 1/deeper/training.log') 'the other training.log'
        Set-Content -LiteralPath (Join-Path $Train.LogPath '..dots..log') 'dots'
    }
    # Every file under LogPath as the key it must have, relative path kept, '/' between folders.
    function Get-ExpectedKeys($Train, [string] $Prefix) {
        Get-ChildItem -LiteralPath $Train.LogPath -Recurse -File -Force | ForEach-Object {
            [pscustomobject]@{ Path = $_.FullName; Key = $Prefix + [IO.Path]::GetRelativePath($Train.LogPath, $_.FullName).Replace([IO.Path]::DirectorySeparatorChar, '/') }
        }
        # The run's picture, drawn at completion, goes with the logs.
        $curves = Join-Path $Train.RunPath 'curves.png'
        if (Test-Path -LiteralPath $curves) { [pscustomobject]@{ Path = $curves; Key = $Prefix + 'curves.png' } }
    }
}
AfterAll {
    Stop-TestKodo $kodo
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Complete-AvaTrainInstance -UploadLogs' {
    BeforeEach {
        Reset-TestKodo $kodo
        $env:AVA_UP_HOST = $kodo.Url
    }
    AfterEach {
        Pop-Location
        $env:AVA_WORKSPACE = $null; $env:AVA_UP_HOST = $null; $env:AVA_TRAINING_NAME = $null
    }

    It 'sends every log file, nested ones under their relative paths, once the log is final (local mode: training local)' {
        $workspace = New-Workspace
        Push-Location $workspace
        $train = New-AvaTrainInstance -Id logs1 -Workspace $workspace
        Add-RunLogs $train
        Complete-AvaTrainInstance $train -UploadLogs -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $train.Status | Should -Be 'Done'

        $expected = @(Get-ExpectedKeys $train 'ava/default/trainings/local/logs1/logs/')
        $expected.Key | Should -Contain 'ava/default/trainings/local/logs1/logs/node 1/deeper/training.log'
        $expected.Key | Should -Contain 'ava/default/trainings/local/logs1/logs/training.log'
        $expected.Key | Should -Contain 'ava/default/trainings/local/logs1/logs/ava.log'
        Get-TestKodoKey $kodoFolder $bucket | Should -Be ($expected.Key | Sort-Object)
        foreach ($file in $expected) {
            $copy = Save-TestKodoObject $kodo $bucket $file.Key (Join-Path $TestDrive ([guid]::NewGuid()))
            (Get-FileHash $copy).Hash | Should -Be (Get-FileHash -LiteralPath $file.Path).Hash -Because "$($file.Key) is the file as it is after the completion"
        }
        # The stored ava.log is the final one: it has the completion's own line.
        $log = Save-TestKodoObject $kodo $bucket 'ava/default/trainings/local/logs1/logs/ava.log' (Join-Path $TestDrive 'ava.log')
        $log | Should -FileContentMatch 'Training instance logs1 is done'
        $log | Should -FileContentMatch 'from the script'
        # Nothing of the upload's own is left among the logs.
        (Get-ChildItem -LiteralPath $train.LogPath -Recurse -File -Force).FullName | Sort-Object | Should -Be ($expected.Path | Where-Object { $_ -ne (Join-Path $train.RunPath 'curves.png') } | Sort-Object)
    }

    It 'uses the platform''s training name and the instance id the platform gave' {
        $workspace = New-Workspace -Platform
        $env:AVA_WORKSPACE = $workspace
        Push-Location $workspace
        $train = New-AvaTrainInstance
        Add-RunLogs $train
        Complete-AvaTrainInstance $train -UploadLogs -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty
        $expected = @(Get-ExpectedKeys $train "ava/default/trainings/cifar-train/$($train.Id)/logs/")
        Get-TestKodoKey $kodoFolder $bucket | Should -Be ($expected.Key | Sort-Object)
        (Get-TestAvaRecord $kodo).instances."cifar-train/$($train.Id)".status | Should -Be 'done'
    }

    It 'uses the configured training name in local mode' {
        $workspace = New-Workspace
        Push-Location $workspace
        $env:AVA_TRAINING_NAME = 'my-training'
        $train = New-AvaTrainInstance -Id logs2 -Workspace $workspace
        Add-RunLogs $train
        Complete-AvaTrainInstance $train -UploadLogs
        Get-TestKodoKey $kodoFolder $bucket | Should -Be (@(Get-ExpectedKeys $train 'ava/default/trainings/my-training/logs2/logs/').Key | Sort-Object)
    }

    It 'uploads nothing without -UploadLogs, nor with -WhatIf' {
        $workspace = New-Workspace
        Push-Location $workspace
        $train = New-AvaTrainInstance -Id logs3 -Workspace $workspace
        Add-RunLogs $train
        Complete-AvaTrainInstance $train -UploadLogs -WhatIf
        $train.Status | Should -Be 'Running'
        Complete-AvaTrainInstance $train
        $train.Status | Should -Be 'Done'
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Get-TestKodoKey $kodoFolder $bucket | Should -BeNullOrEmpty
    }

    It 'completes the instance, with a warning and no error, when the logs cannot be sent (<Case>)' -ForEach @(
        @{ Case = 'a wrong secret key'; Arguments = @{ SecretKey = 'not-the-secret' } }
        @{ Case = 'no bucket'; Arguments = @{ NoBucket = $true } }
    ) {
        $workspace = New-Workspace @Arguments
        Push-Location $workspace
        $train = New-AvaTrainInstance -Id logs4 -Workspace $workspace
        Add-RunLogs $train
        Complete-AvaTrainInstance $train -UploadLogs -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue
        $errors | Should -BeNullOrEmpty
        $train.Status | Should -Be 'Done'
        (Get-Content $train.StatusPath -Raw | ConvertFrom-Json).status | Should -Be 'done'
        $warnings.Message -join "`n" | Should -Match "logs of instance 'logs4' were not uploaded.*$([regex]::Escape($train.LogPath))"
        $warnings.Message -join "`n" | Should -Not -Match 'not-the-secret'
        Get-TestKodoKey $kodoFolder $bucket | Should -BeNullOrEmpty
        Join-Path $train.LogPath 'training.log' | Should -Exist
    }
}
