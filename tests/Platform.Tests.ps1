BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestArchive.psm1" -Force
    $script:server = Start-TestKodo -Folder (Join-Path $TestDrive 'platform-server')
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    # A Caffe log of our own, shaped like the cifar10 quick run (snapshot at iteration 4000).
    $script:fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
    $script:saved = @{}
    foreach ($name in 'AVA_WORKSPACE', 'JOB_NAME', 'AVA_UP_HOST', 'AVA_API_HOST', 'AVA_METRICS_URL', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_TRAINING_NAME', 'AVA_TRAINING_INSTANCE_ID') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }

    # A workspace as the platform mounts it: config files from the ConfigMap, the user's params.
    function New-PlatformWorkspace([string] $SecretKey = $server.SecretKey) {
        $workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory "$workspace/config", "$workspace/params" | Out-Null
        @{ uid = 1380001; key = $server.AccessKey; secret = $SecretKey; bucket = 'avajobs' } | ConvertTo-Json | Set-Content "$workspace/config/user"
        @{ atnet_apiserver_host = $server.Url; atnet_status_host = $server.Url } | ConvertTo-Json | Set-Content "$workspace/config/worker"
        @{ name = 'cifar-train'; resource = @{ gpus = 2 } } | ConvertTo-Json | Set-Content "$workspace/config/trainingspec"
        @{ stats = @{ numOfSamples = 50000; numOfClasses = 10 } } | ConvertTo-Json | Set-Content "$workspace/config/trainsetinfo"
        @{ solverOps = @{ batchSize = 64 }; lr = 0.1 } | ConvertTo-Json | Set-Content "$workspace/params/default.json"
        $workspace
    }
    # Caffe replaying a cifar10-shaped log on stderr, with the HDF5 snapshot files the log names.
    $script:trainer = 'mkdir -p examples/cifar10; head -c 300000 /dev/urandom > examples/cifar10/cifar10_quick_iter_4000.caffemodel.h5; echo state > examples/cifar10/cifar10_quick_iter_4000.solverstate.h5; cat "$1" >&2'
    function Invoke-Job { Invoke-AvaTraining sh -ArgumentList '-c', $trainer, 'caffe', $fixture -Framework Caffe -BatchOfEpoch 100 -WarningAction SilentlyContinue }
    function Get-Requests([string] $Method, [string] $Like) { (Get-TestAvaRecord $server).requests | Where-Object { $_.method -eq $Method -and $_.path -like $Like } }
}
AfterAll {
    Stop-TestKodo $server
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Platform mode' {
    BeforeEach {
        Reset-TestKodo $server
        $script:workspace = New-PlatformWorkspace
        $env:AVA_WORKSPACE = $workspace
        $env:JOB_NAME = 'atnet-training-5a8f83b0-x'
        $env:AVA_UP_HOST = $server.Url
        Push-Location $workspace
    }
    AfterEach {
        Pop-Location
        $env:AVA_WORKSPACE = $null; $env:JOB_NAME = $null; $env:AVA_UP_HOST = $null; $env:AVA_API_HOST = $null
    }

    It 'runs a local script unchanged: instance, metrics, snapshot model and completion reach the platform' {
        $train = New-AvaTrainInstance
        $train.Id | Should -Match '^[0-9a-f]{24}$'
        $train.TrainingName | Should -Be 'cifar-train'
        $created = Get-Requests POST '/v1/trainings/cifar-train/instances'
        $created | Should -HaveCount 1
        $body = $created.body | ConvertFrom-Json -DateKind String
        $body.status | Should -Be 'running'
        $body.params.solverOps.batchSize | Should -Be 64
        $body.startTime | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d'

        $metrics = Invoke-Job
        $metrics.Count | Should -BeGreaterThan 100
        Complete-AvaTrainInstance $train

        $record = Get-TestAvaRecord $server
        ($record.requests | Where-Object { $null -ne $_.signed }).signed | Should -Not -Contain $false
        $stored = $record.instances."cifar-train/$($train.Id)"
        $stored.status | Should -Be 'done'
        $stored.errMsg | Should -Be ''
        $stored.stopTime | Should -Not -BeNullOrEmpty
        (Get-Content $train.StatusPath -Raw | ConvertFrom-Json).platform.reported | Should -BeTrue

        $lines = $record.metrics
        $loss = @($lines | Where-Object { $_ -like "ava_metric_training_loss,*id=$($train.Id),job_type=training*" })
        $loss.Count | Should -Be @($metrics | Where-Object { $_.Name -eq 'loss' -and $_.Phase -eq 'Train' -and -not [double]::IsNaN($_.Value) }).Count
        $lines | Where-Object { $_ -like 'ava_metric_training_learning_rate,*' } | Should -Not -BeNullOrEmpty
        $lines | Where-Object { $_ -like 'ava_metric_training_val_accuracy,*' } | Should -Not -BeNullOrEmpty
        # 64 per GPU × 2 GPUs = 128 samples an iteration.
        $lines | Where-Object { $_ -like 'ava_metric_training_sample_num,batch=100,*' } | Should -Match ' count=12800 '
        $lines | Where-Object { $_ -like 'ava_metric_meta_info,batch=100,batch_in_epoch=0,epoch=1,*' } | Should -Match ' value=1 '

        # Iteration 4000 at 100 iterations an epoch: the model of epoch 40, as the platform's evaluations take it.
        @($record.models).Count | Should -Be 1
        # As sent, so that times stay strings.
        $model = (Get-Requests POST '/v1/models').body | ConvertFrom-Json -DateKind String
        $key = "ava/default/models/$($train.Id)-snapshot-model:epoch_40/snapshots/model.tar.gz"
        $model.name | Should -Be "$($train.Id)-snapshot-model:epoch_40"
        $model.type | Should -Be 'snapshot'
        $model.file | Should -Be "qiniu://1380001@z0/avajobs/$key"
        $model.params.PSObject.Properties | Should -BeNullOrEmpty
        $model.specVersion | Should -Be 'v1'
        $model.trainingRef.instanceID | Should -Be $train.Id
        $model.trainingRef.status | Should -Be 'running'
        $model.trainingRef.params.solverOps.batchSize | Should -Be 64
        $model.trainingRef.startTime | Should -Be $body.startTime
        $model.trainingRef.name | Should -Be 'cifar-train'
        $model.trainingRef.resource.gpus | Should -Be 2
        $model.trainingRef.metric.epoch | Should -Be 40
        $model.trainingRef.metric.batch | Should -Be 4000
        $model.trainingRef.modelUploadTime | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$'
        Get-TestKodoArchiveMember $server avajobs $key | Should -Be @('cifar10_quick_iter_4000.caffemodel.h5', 'cifar10_quick_iter_4000.solverstate.h5')
        Join-Path $train.SnapshotPath 'cifar10_quick_iter_4000.caffemodel.h5' | Should -Exist
    }

    It 'never creates a second instance when the platform created one and the reply was lost' {
        Set-TestAvaFault $server -Mode create-then-drop -Count 1
        $err = { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaPlatformInstanceUncertain,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        $err.Exception.Message | Should -BeLike '*may have been created*'
        $err.ErrorDetails.Message | Should -BeLike '*may have been created*New-AvaTrainInstance -Id*' -Because 'the cmdlet adds how to go on'
        $record = Get-TestAvaRecord $server
        $record.instancesCreated.'cifar-train' | Should -Be 1 -Because 'a create that reached the platform is not sent again'
        Get-ChildItem (Join-Path $workspace 'run') -Directory -ErrorAction Ignore | Should -BeNullOrEmpty -Because 'no local instance stands for an id nobody knows'
    }

    It 'says so when the platform answers a create with a 200 that is not JSON' {
        Set-TestKodoFailure $server -Path '/v1/trainings/' -Method POST -Status 200 -Body '<html><body><h1>Welcome to nginx!</h1></body></html>'
        $err = { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaPlatformInstanceUncertain,*' -PassThru
        $err.Exception.Message | Should -Match 'HTTP 200: the answer is not the JSON the AVA API answers with: Welcome to nginx!'
        $err.Exception.Message | Should -Not -Match 'has no id'
    }

    It 'resumes an instance the platform knows with -Id' {
        $first = New-AvaTrainInstance
        Complete-AvaTrainInstance $first -ErrorMessage 'node lost'
        $again = New-AvaTrainInstance -Id $first.Id
        $again.Id | Should -Be $first.Id
        Get-Requests GET "/v1/trainings/cifar-train/instances/$($first.Id)" | Should -HaveCount 1
        (Get-TestAvaRecord $server).instances."cifar-train/$($first.Id)".errMsg | Should -Be 'node lost'
        Complete-AvaTrainInstance $again
        (Get-TestAvaRecord $server).instances."cifar-train/$($first.Id)".status | Should -Be 'done'
    }

    It 'tells the platform of an instance a pwsh -File script left running, when the script ends' {
        Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
        $job = Join-Path $workspace 'job.ps1'
        Set-Content $job "Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; (New-AvaTrainInstance).Id; throw 'the data is gone'"
        $output = Invoke-ChildScript $job
        $id = $output | Select-Object -First 1
        $id | Should -Match '^[0-9a-f]{24}$'
        $stored = (Get-TestAvaRecord $server).instances."cifar-train/$id"
        $stored.status | Should -Be 'failed' -Because ($output -join "`n")
        $stored.errMsg | Should -Be 'the data is gone'
        (Get-Content "$workspace/run/$id/status.json" -Raw | ConvertFrom-Json).platform.reported | Should -BeTrue
    }

    It 'gives the platform at most 5 s when the script ends, and leaves a report it did not take for the next command' {
        Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
        $job = Join-Path $workspace 'job.ps1'
        Set-Content $job "Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; (New-AvaTrainInstance).Id; [DateTime]::UtcNow.Ticks"
        Set-TestKodoFailure $server -Path '/v1/trainings' -Method PUT -DelayMs 60000 -Count 100
        $child = Start-ChildPwsh $job
        $child.WaitForExit(60000) | Should -BeTrue
        $id, $ended = $child.Output.Result -split "`n" | Where-Object { $_.Trim() } | ForEach-Object Trim
        ($child.ExitTime.ToUniversalTime() - [DateTime]::new([long]$ended, 'Utc')).TotalSeconds | Should -BeLessThan 8 -Because 'the completion at the end is bounded by 5 s (and pwsh ends after it)'
        $child.Errors.Result | Should -Match "marked it done for you"
        $child.Errors.Result | Should -Match "The AVA platform was not told that instance '$id' is done"
        $status = Get-Content "$workspace/run/$id/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'done'
        $status.platform.reported | Should -BeFalse

        Reset-TestKodo $server
        Complete-AvaTrainInstance -Retry -Workspace $workspace
        (Get-TestAvaRecord $server).instances."cifar-train/$id".status | Should -Be 'done'
    }

    It 'keeps a completion the platform cannot take and sends it with the next command' {
        $train = New-AvaTrainInstance
        Set-TestKodoFailure $server -Path '/v1/trainings' -Method PUT -Status 503 -Count 100
        Complete-AvaTrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Message -join "`n" | Should -Match 'was not told.*-Retry'
        $status = Get-Content $train.StatusPath -Raw | ConvertFrom-Json
        $status.status | Should -Be 'done'
        $status.platform.reported | Should -BeFalse
        (Get-TestAvaRecord $server).instances."cifar-train/$($train.Id)".status | Should -Be 'running'

        Reset-TestKodo $server
        $next = New-AvaTrainInstance
        (Get-TestAvaRecord $server).instances."cifar-train/$($train.Id)".status | Should -Be 'done'
        (Get-Content $train.StatusPath -Raw | ConvertFrom-Json).platform.reported | Should -BeTrue
        Complete-AvaTrainInstance $next
    }

    It 'sends a kept completion with Complete-AvaTrainInstance -Retry' {
        $train = New-AvaTrainInstance
        Set-TestKodoFailure $server -Path '/v1/trainings' -Method PUT -Status 503 -Count 100
        Complete-AvaTrainInstance $train -ErrorMessage 'out of memory' -WarningAction SilentlyContinue
        Complete-AvaTrainInstance -Retry -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaPlatformUnreachable,*'
        Reset-TestKodo $server
        Complete-AvaTrainInstance -Retry
        $stored = (Get-TestAvaRecord $server).instances."cifar-train/$($train.Id)"
        $stored.status | Should -Be 'failed'
        $stored.errMsg | Should -Be 'out of memory'
    }

    It 'loses no metric when the probe fails, and the script''s output is the same' {
        $train = New-AvaTrainInstance
        Set-TestKodoFailure $server -Path '/v1/report' -Status 503 -Count 100000
        $metrics = Invoke-Job
        $metrics.Count | Should -BeGreaterThan 100
        (Get-TestAvaRecord $server).metrics | Should -BeNullOrEmpty
        Join-Path $train.RunPath 'metrics-spool.lp' | Should -Exist
        Reset-TestKodo $server
        Complete-AvaTrainInstance $train
        $loss = @((Get-TestAvaRecord $server).metrics | Where-Object { $_ -like 'ava_metric_training_loss,*' })
        $loss.Count | Should -Be @($metrics | Where-Object { $_.Name -eq 'loss' -and $_.Phase -eq 'Train' -and -not [double]::IsNaN($_.Value) }).Count
    }

    It 'keeps a snapshot model the platform cannot take and records it later' {
        $train = New-AvaTrainInstance
        Set-TestKodoFailure $server -Path '/v1/models' -Status 503 -Count 100
        $null = Invoke-Job
        Complete-AvaTrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Message -join "`n" | Should -Match 'was uploaded to avajobs/.*epoch_40/snapshots/model.tar.gz, but.*kept in'
        (Get-TestAvaRecord $server).models | Should -BeNullOrEmpty
        # Stored, so only the record is owed: its outbox entry says so, and the archive is gone.
        $entry = Get-Content (Join-Path $train.RunPath 'outbox/snapshot-epoch_40.*.json') -Raw | ConvertFrom-Json
        $entry.storedAt | Should -Not -BeNullOrEmpty
        $entry.problem | Should -Match '503'
        Get-ChildItem $train.RunPath -Filter 'snapshot-model-epoch_40*' | Should -BeNullOrEmpty
        Reset-TestKodo $server
        Complete-AvaTrainInstance -Retry
        $model = @((Get-TestAvaRecord $server).models)
        $model.Count | Should -Be 1
        $model[0].name | Should -Be "$($train.Id)-snapshot-model:epoch_40"
        $model[0].file | Should -Be "qiniu://1380001@z0/avajobs/ava/default/models/$($train.Id)-snapshot-model:epoch_40/snapshots/model.tar.gz"
        $model[0].trainingRef.modelUploadTime | Should -Not -BeNullOrEmpty
        Get-ChildItem (Join-Path $train.RunPath 'outbox') -Filter *.json | Should -BeNullOrEmpty
        (Get-TestKodoStats $server).requests.form | Should -BeNullOrEmpty -Because 'the archive was stored before; only its record was owed'
    }

    It 'sends the model records AvaSdk 0.1.0 kept in platform-models.pending.jsonl' {
        # A run whose archive is stored but whose record the platform refused, turned into what 0.1.0 left: the record,
        # with its upload time, as one line of platform-models.pending.jsonl, and no outbox.
        $train = New-AvaTrainInstance
        Set-TestKodoFailure $server -Path '/v1/models' -Status 503 -Count 100
        $null = Invoke-Job
        Complete-AvaTrainInstance $train -WarningAction SilentlyContinue
        # -DateKind String: the record's times stay as the platform wrote them (a DateTime would drop a trailing zero).
        $entry = Get-Content (Join-Path $train.RunPath 'outbox/snapshot-epoch_40.*.json') -Raw | ConvertFrom-Json -DateKind String
        $entry.model.trainingRef | Add-Member modelUploadTime '2026-11-01T08:00:00.000+00:00'
        [IO.File]::WriteAllText("$($train.RunPath)/platform-models.pending.jsonl", ($entry.model | ConvertTo-Json -Compress -Depth 10) + "`n")
        Remove-Item (Join-Path $train.RunPath 'outbox') -Recurse -Force
        Reset-TestKodo $server
        Complete-AvaTrainInstance -Retry
        @((Get-TestAvaRecord $server).models).name | Should -Be "$($train.Id)-snapshot-model:epoch_40"
        Join-Path $train.RunPath 'platform-models.pending.jsonl' | Should -Not -Exist
    }

    It 'changes nothing on the platform with -WhatIf' {
        New-AvaTrainInstance -WhatIf | Should -BeNullOrEmpty
        $train = New-AvaTrainInstance
        Complete-AvaTrainInstance $train -WhatIf
        $train.Status | Should -Be 'Running'
        Get-Requests PUT '/v1/trainings/*' | Should -BeNullOrEmpty
        @(Get-Requests POST '/v1/trainings/cifar-train/instances').Count | Should -Be 1
        Complete-AvaTrainInstance $train
    }

    It 'stops New-AvaTrainInstance with AvaParamFileInvalid when params/default.json is damaged, creating nothing' {
        Set-Content "$workspace/params/default.json" '{ "solverOps": { "batchSize": 64 }, "lr": '
        $err = { New-AvaTrainInstance } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamFileInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.Exception.Message | Should -BeLike '*default.json*is not valid JSON*'
        Get-Requests POST '/v1/trainings/cifar-train/instances' | Should -BeNullOrEmpty
        Join-Path $workspace 'run' | Should -Not -Exist
    }

    It 'stops Invoke-AvaTraining with AvaParamFileInvalid when params/default.json is damaged during the job' {
        $train = New-AvaTrainInstance
        Set-Content "$workspace/params/default.json" '{ "solverOps": { "batchSize": 64 }, "lr": '
        $err = { Invoke-Job } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamFileInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        Join-Path $train.LogPath 'training.log' | Should -Not -Exist
        Complete-AvaTrainInstance $train -ErrorMessage 'damaged params' -WarningAction SilentlyContinue
    }

    It 'stops with a clear error when the API refuses the credentials' {
        $env:AVA_WORKSPACE = New-PlatformWorkspace -SecretKey 'not-the-secret'
        $err = { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaPlatformRequestFailed,*' -PassThru
        $err.Exception.Message | Should -Match 'POST /v1/trainings/cifar-train/instances.*HTTP 401'
        $err.Exception.Message | Should -Not -Match 'not-the-secret'
    }
}

Describe 'Get-AvaConfig' {
    BeforeEach {
        $script:workspace = New-PlatformWorkspace
        $env:AVA_WORKSPACE = $workspace
        $env:JOB_NAME = 'atnet-training-5a8f83b0-x'
    }
    AfterEach { $env:AVA_WORKSPACE = $null; $env:JOB_NAME = $null; $env:AVA_API_HOST = $null }

    It 'shows every value and where it came from, with secrets masked' {
        $settings = Get-AvaConfig
        $byName = @{}; $settings | ForEach-Object { $byName[$_.Name] = $_ }
        $byName.Workspace.Value | Should -Be $workspace
        $byName.Workspace.Source | Should -Be 'env:AVA_WORKSPACE'
        $byName.Mode.Value | Should -Be 'platform'
        $byName.ApiHost.Value | Should -Be $server.Url
        $byName.ApiHost.Source | Should -Be "$workspace/config/worker:atnet_apiserver_host"
        $byName.MetricsUrl.Value | Should -Be "$($server.Url)/v1/report/trainings/<instance id>/metric"
        $byName.TrainingName.Value | Should -Be 'cifar-train'
        $byName.JobName.Source | Should -Be 'env:JOB_NAME'
        $byName.JobId.Value | Should -Be '5a8f83b0'
        $byName.SecretKey.Value | Should -Be '********'
        $byName.AccessKey.Value | Should -Be ($server.AccessKey.Substring(0, 4) + '…')
        $byName.TrainSamples.Value | Should -Be '50000'
        $byName.Gpus.Value | Should -Be '2'
        ($settings | Format-Table | Out-String) | Should -Not -Match ([regex]::Escape($server.SecretKey))
    }

    It 'lets environment variables override the files' {
        $env:AVA_API_HOST = 'http://api.example.com'
        $setting = Get-AvaConfig -Name ApiHost
        $setting.Value | Should -Be 'http://api.example.com'
        $setting.Source | Should -Be 'env:AVA_API_HOST'
    }

    It 'names a damaged file, still shows the rest, and leaves cmdlets that do not need it working' {
        Set-Content "$workspace/config/trainingspec" '{ "name": ' -NoNewline
        $settings = Get-AvaConfig -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaConfigInvalid,*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errors[0].Exception.Message | Should -BeLike "*$workspace/config/trainingspec*line 1*"
        ($settings | Where-Object Name -eq 'Bucket').Value | Should -Be 'avajobs'
        ($settings | Where-Object Name -eq 'TrainingName').Source | Should -BeLike '*(unreadable)'
        Get-AvaParam solverOps.batchSize | Should -Be 64
        { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaConfigInvalid,*'
    }

    It 'completes an instance with spooled metrics when the worker file is damaged' {
        Remove-Item "$workspace/config/worker"
        $train = New-AvaTrainInstance -Id local-spool
        Set-Content (Join-Path $train.RunPath 'metrics-spool.lp') 'ava_metric_training_loss,id=local-spool value=1 1'
        Set-Content "$workspace/config/worker" 'not json' -NoNewline
        Complete-AvaTrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        $train.Status | Should -Be 'Done'
        $warnings.Message -join "`n" | Should -Match '1 metric point\(s\) .*could not be delivered \(.*config/worker.*metrics-spool.lp'
    }

    It 'still runs the training when the worker file is damaged, keeping the metrics local' {
        # The instance is started before the file is damaged: New-AvaTrainInstance (and so Invoke-AvaTraining without an instance) needs it.
        Remove-Item "$workspace/config/worker"
        $train = New-AvaTrainInstance -Id damaged-worker
        Set-Content "$workspace/config/worker" 'not json' -NoNewline
        $env:AVA_API_HOST = $null
        Push-Location $workspace
        try {
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 5, loss = 0.5" >&2' -Framework Caffe -WarningVariable warnings -WarningAction SilentlyContinue
        }
        finally { Pop-Location }
        $metrics.Value | Should -Be 0.5
        $warnings.Message -join "`n" | Should -Match "only be kept locally.*config/worker"
        Join-Path $train.RunPath 'metrics.jsonl' | Should -Exist
    }
}
