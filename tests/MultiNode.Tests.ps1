BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestStoredObjects.psm1" -Force
    $script:manifest = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    # A Caffe log of our own, shaped like the cifar10 quick run (snapshot at iteration 4000).
    $script:fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
    $script:launcherVariables = 'RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT', 'OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
        'PMI_RANK', 'PMI_SIZE', 'DMLC_ROLE', 'DMLC_NUM_WORKER', 'DMLC_WORKER_ID', 'AVA_NODE', 'AVA_NUM_NODES', 'AVA_NODE_WAIT_SEC', 'JOB_NAME',
        'AVA_WORKSPACE', 'AVA_UP_HOST', 'AVA_API_HOST', 'AVA_METRICS_URL', 'AVA_TRAINING_INSTANCE_ID', 'OMPI_MCA_ess_base_jobid', 'PMIX_NAMESPACE',
        'DMLC_PS_ROOT_URI', 'DMLC_PS_ROOT_PORT'
    $script:saved = @{}
    foreach ($name in $launcherVariables) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    function Clear-Launcher { foreach ($name in $launcherVariables) { [Environment]::SetEnvironmentVariable($name, $null) } }
}
AfterAll {
    Clear-Launcher
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'A job of four nodes on one machine' {
    BeforeAll {
        $script:server = Start-TestKodo -Folder (Join-Path $TestDrive 'platform-server')
        $script:influx = if (Test-InfluxDbAvailable) { Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influxdb') }
        $script:workspace = Join-Path $TestDrive 'workspace'
        New-Item -ItemType Directory "$workspace/config", "$workspace/params" | Out-Null
        @{ uid = 1380001; key = $server.AccessKey; secret = $server.SecretKey; bucket = 'avajobs' } | ConvertTo-Json | Set-Content "$workspace/config/user"
        @{ atnet_apiserver_host = $server.Url; atnet_status_host = $server.Url } | ConvertTo-Json | Set-Content "$workspace/config/worker"
        @{ name = 'cifar-dist' } | ConvertTo-Json | Set-Content "$workspace/config/trainingspec"
        @{ solverOps = @{ batchSize = 64 } } | ConvertTo-Json | Set-Content "$workspace/params/default.json"

        # Every node runs the same script, as torchrun or mpirun would; only the launcher's variables differ. Each node
        # has a working folder of its own (its own disk), and its trainer marks its log with its rank.
        $script:children = foreach ($rank in 0..3) {
            $folder = New-Item -ItemType Directory (Join-Path $TestDrive "node$rank")
            $script = Join-Path $folder 'job.ps1'
            @"
`$ErrorActionPreference = 'Stop'
`$env:RANK = '$rank'; `$env:WORLD_SIZE = '4'; `$env:LOCAL_RANK = '$rank'; `$env:MASTER_ADDR = '127.0.0.1'; `$env:MASTER_PORT = '29500'
`$env:AVA_WORKSPACE = '$workspace'; `$env:AVA_UP_HOST = '$($server.Url)'; `$env:AVA_METRICS_URL = '$(if ($influx) { $influx.WriteUrl })'
Import-Module '$manifest'
Set-Location '$folder'
`$train = New-AvaTrainInstance
`$trainer = 'echo "trainer of node `$AVA_NODE of `$AVA_NUM_NODES"; mkdir -p examples/cifar10; head -c 200000 /dev/urandom > examples/cifar10/cifar10_quick_iter_4000.caffemodel.h5; echo state > examples/cifar10/cifar10_quick_iter_4000.solverstate.h5; cat "`$1" >&2'
`$metrics = Invoke-AvaTraining sh -ArgumentList '-c', `$trainer, 'caffe', '$fixture' -Framework Caffe -BatchOfEpoch 100 -WarningAction SilentlyContinue
"ID=`$(`$train.Id) NODE=`$(`$train.Node) OF=`$(`$train.NodeCount) METRICS=`$(`$metrics.Count)"
Complete-AvaTrainInstance `$train -UploadLogs
"@ | Set-Content $script
            Start-ChildPwsh -Script $script
        }
        foreach ($child in $children) { $child.WaitForExit(300000) | Out-Null }
        $script:outputs = foreach ($child in $children) { $child.Output.Result + $child.Errors.Result }
        $script:ids = @($outputs | ForEach-Object { if ($_ -match 'ID=(\S+)') { $Matches[1] } })
        $script:run = Join-Path $workspace "run/$($ids[0])"
        $script:record = Get-TestAvaRecord $server
    }
    AfterAll {
        Stop-TestInfluxDb $influx
        Stop-TestKodo $server
    }

    It 'runs every node to the end, all in one instance' {
        foreach ($i in 0..3) { $children[$i].ExitCode | Should -Be 0 -Because "node $i's output was: $($outputs[$i])" }
        $ids | Should -HaveCount 4
        @($ids | Select-Object -Unique) | Should -HaveCount 1
        foreach ($i in 0..3) { $outputs[$i] | Should -Match "NODE=$i OF=4" }
        @(Get-ChildItem (Join-Path $workspace 'run') -Directory | Where-Object Name -NotLike '.*') | Should -HaveCount 1
        (Get-Content (Join-Path $workspace 'run/.jobs/127.0.0.1_29500-*.json') -Raw | ConvertFrom-Json).id | Should -Be $ids[0]
    }

    It 'creates the instance on the platform once and completes it once, after every node has ended' {
        @($record.requests | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/trainings/cifar-dist/instances' }) | Should -HaveCount 1
        $updates = @($record.requests | Where-Object { $_.method -eq 'PUT' -and $_.path -like '/v1/trainings/cifar-dist/instances/*' })
        $updates | Should -HaveCount 1
        ($updates[0].body | ConvertFrom-Json).status | Should -Be 'done'
        $status = Get-Content (Join-Path $run 'status.json') -Raw | ConvertFrom-Json -DateKind String
        $status.status | Should -Be 'done'
        $status.nodes | Should -Be 4
        foreach ($rank in 0..3) {
            $node = Get-Content (Join-Path $run "nodes/$rank.json") -Raw | ConvertFrom-Json -DateKind String
            $node.status | Should -Be 'done'
            [DateTimeOffset]$node.endTime | Should -BeLessOrEqual ([DateTimeOffset]$status.endTime) -Because 'node 0 completes the instance only after every node ended'
        }
    }

    It 'gives every node files of its own: no file has two writers' {
        foreach ($rank in 0..3) {
            $log = Get-Content (Join-Path $run "logs/training.$rank.log")
            $log | Should -Contain "trainer of node $rank of 4"
            $log -match '^trainer of node' | Should -HaveCount 1
            $records = Get-Content (Join-Path $run "metrics.$rank.jsonl") | ConvertFrom-Json
            $records.Count | Should -BeGreaterThan 100
            @($records | Where-Object { $_.node -ne $rank }) | Should -BeNullOrEmpty
            $own = Get-Content (Join-Path $run "logs/ava.$rank.log")
            $own | Should -Not -BeNullOrEmpty
            @($own | Where-Object { $_ -match '^\d{4}-' -and $_ -notmatch "\] Node\[$rank\] " }) | Should -BeNullOrEmpty -Because "every line of ava.$rank.log is node $rank's"
        }
        Join-Path $run 'metrics.jsonl' | Should -Not -Exist
        Join-Path $run 'logs/training.log' | Should -Not -Exist
    }

    It 'reports every node''s metrics with its node tag, each point once' -Skip:(-not (Get-Command influxd -CommandType Application -ErrorAction Ignore)) {
        $points = @(Get-InfluxPoint $influx)
        foreach ($rank in 0..3) {
            $losses = @(Get-Content (Join-Path $run "metrics.$rank.jsonl") | ConvertFrom-Json | Where-Object { $_.name -eq 'loss' -and $_.phase -eq 'train' -and $_.value -isnot [string] })
            $stored = @($points | Where-Object { $_.Measurement -eq 'ava_metric_training_loss' -and $_.node -eq "$rank" })
            $stored.Count | Should -Be $losses.Count -Because "node $rank's loss values are all in InfluxDB, none twice"
            $stored.Count | Should -BeGreaterThan 0
            $stored[0].id | Should -Be $ids[0]
        }
        @($points | Where-Object { -not $_.node }) | Should -BeNullOrEmpty -Because 'in a job of several nodes every point names its node'
    }

    It 'uploads the snapshot once, from node 0, and records one model' {
        @($record.models) | Should -HaveCount 1
        $record.models[0].name | Should -Be "$($ids[0])-snapshot-model:epoch_40"
        @(Get-ChildItem (Join-Path $run 'output') -File).Name | Should -Contain 'cifar10_quick_iter_4000.caffemodel.h5'
        @(Get-TestKodoKey -Folder (Join-Path $TestDrive 'platform-server') -Bucket avajobs | Where-Object { $_ -like 'ava/default/models/*' }) | Should -HaveCount 1
    }

    It 'uploads every node''s logs once, from node 0, after every node has ended' {
        $keys = @(Get-TestKodoKey -Folder (Join-Path $TestDrive 'platform-server') -Bucket avajobs | Where-Object { $_ -like "ava/default/trainings/cifar-dist/$($ids[0])/logs/*" })
        foreach ($rank in 0..3) {
            $keys | Should -Contain "ava/default/trainings/cifar-dist/$($ids[0])/logs/training.$rank.log"
            $keys | Should -Contain "ava/default/trainings/cifar-dist/$($ids[0])/logs/ava.$rank.log"
        }
        $stored = Save-TestKodoObject $server avajobs "ava/default/trainings/cifar-dist/$($ids[0])/logs/ava.3.log" (Join-Path $TestDrive 'ava.3.log')
        Get-Content $stored | Should -Contain ((Get-Content (Join-Path $run 'logs/ava.3.log')) | Select-Object -Last 1) -Because 'node 0 uploads once node 3''s log is final'
    }
}

Describe 'Node 0''s completion' {
    BeforeEach {
        Clear-Launcher
        $script:workspace = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))
        $env:AVA_WORKSPACE = $workspace
        $env:JOB_NAME = 'atnet-training-7f00-job'
        $env:AVA_NUM_NODES = '2'
        $env:AVA_NODE_WAIT_SEC = '2'
    }
    AfterEach { Clear-Launcher }

    It 'marks the instance failed when a node never records its end, after a bounded wait' {
        $leader = New-AvaTrainInstance -Node 0
        $other = New-AvaTrainInstance -Node 1
        $other.Id | Should -Be $leader.Id
        Complete-AvaTrainInstance $leader -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Message -join "`n" | Should -Match 'node 1 did not record its end within 2 s'
        $status = Get-Content $leader.StatusPath -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -Match 'node 1 did not record its end'
    }

    It 'marks the instance failed when another node failed, and done when all are done' {
        $leader = New-AvaTrainInstance -Node 0
        $other = New-AvaTrainInstance -Node 1
        Complete-AvaTrainInstance $other -ErrorMessage 'CUDA out of memory'
        (Get-Content $leader.StatusPath -Raw | ConvertFrom-Json).status | Should -Be 'running' -Because 'only node 0 completes the instance'
        Complete-AvaTrainInstance $leader -WarningAction SilentlyContinue
        (Get-Content $leader.StatusPath -Raw | ConvertFrom-Json).errorMessage | Should -Be 'node 1 failed: CUDA out of memory'

        # A new run of the same job (the first is over) gets an instance of its own.
        $again = New-AvaTrainInstance -Node 1
        $again.Id | Should -Not -Be $leader.Id
        $leaderAgain = New-AvaTrainInstance -Node 0
        $leaderAgain.Id | Should -Be $again.Id
        Complete-AvaTrainInstance $again
        Complete-AvaTrainInstance $leaderAgain
        (Get-Content $again.StatusPath -Raw | ConvertFrom-Json).status | Should -Be 'done'
    }

    It 'sends, at its completion, the metrics a node that is gone still owed' -Skip:(-not (Get-Command influxd -CommandType Application -ErrorAction Ignore)) {
        $influx = Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influx-gone')
        try {
            $leader = New-AvaTrainInstance -Node 0
            # Node 1, in a process of its own, records a metric its endpoint never takes, completes its part and is gone.
            $script = Join-Path $TestDrive 'node1.ps1'
            @"
`$env:AVA_WORKSPACE = '$workspace'; `$env:JOB_NAME = '$env:JOB_NAME'; `$env:AVA_NUM_NODES = '2'; `$env:AVA_HTTP_TIMEOUT_SEC = '2'
`$env:AVA_METRICS_URL = 'http://127.0.0.1:$(Get-FreeTcpPort)/write?db=ava'
Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'
`$t = New-AvaTrainInstance -Node 1
Write-AvaMetric -Name f1 -Value 0.5 -TrainInstance `$t -WarningAction SilentlyContinue
Complete-AvaTrainInstance `$t -WarningAction SilentlyContinue
"@ | Set-Content $script
            $null = Invoke-ChildScript $script
            Get-Content (Join-Path $leader.RunPath 'metrics-spool.1.lp') | Should -Match '^ava_metric_training_f1,' -Because 'node 1 could not deliver it'
            (Get-AvaTrainInstance -Id $leader.Id -Workspace $workspace).UndeliveredMetrics | Should -Be 1 -Because 'the listing counts every node''s files'
            $env:AVA_METRICS_URL = $influx.WriteUrl
            Complete-AvaTrainInstance $leader
            (Get-AvaTrainInstance -Id $leader.Id -Workspace $workspace).UndeliveredMetrics | Should -Be 0
            @(Get-InfluxPoint $influx | Where-Object { $_.Measurement -eq 'ava_metric_training_f1' -and $_.node -eq '1' }) | Should -HaveCount 1
            @(Get-Content (Join-Path $leader.RunPath 'metrics-spool.1.lp') -ErrorAction Ignore) | Should -BeNullOrEmpty
        }
        finally { Stop-TestInfluxDb $influx; $env:AVA_METRICS_URL = $null }
    }

    It 'reports a node that failed before node 0 started again as failed, without waiting for it' {
        $leader = New-AvaTrainInstance -Id restarted -Node 0
        $other = New-AvaTrainInstance -Id restarted -Node 1
        Complete-AvaTrainInstance $other -ErrorMessage 'lost node 0'
        $again = New-AvaTrainInstance -Id restarted -Node 0
        Complete-AvaTrainInstance $again -WarningAction SilentlyContinue
        (Get-Content $again.StatusPath -Raw | ConvertFrom-Json).errorMessage | Should -Be 'node 1 failed: lost node 0'
    }

    It 'reports a node whose process is gone as failed at once, without waiting out AVA_NODE_WAIT_SEC' {
        $env:AVA_NODE_WAIT_SEC = '120'
        $leader = New-AvaTrainInstance -Node 0
        $script = Join-Path $TestDrive 'node1-dies.ps1'
        # Killed, so the end of its session records no end for it either.
        "`$env:AVA_WORKSPACE = '$workspace'; `$env:JOB_NAME = '$env:JOB_NAME'; `$env:AVA_NUM_NODES = '2'; Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; (New-AvaTrainInstance -Node 1).Id; Stop-Process -Id `$PID -Force" | Set-Content $script
        (Invoke-ChildScript $script | Select-Object -Last 1).Trim() | Should -Be $leader.Id
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Complete-AvaTrainInstance $leader -WarningVariable warnings -WarningAction SilentlyContinue
        # A bound, not a timing: the node's death is known at once; waiting for it took the whole 120 s.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        $warnings.Message -join "`n" | Should -Match 'node 1 died without recording its end: its process \d+ on host'
        (Get-Content $leader.StatusPath -Raw | ConvertFrom-Json).status | Should -Be 'failed'
    }

    It 'does not count the ends an earlier attempt of a resumed instance recorded' {
        $leader = New-AvaTrainInstance -Id resumed -Node 0
        $other = New-AvaTrainInstance -Id resumed -Node 1
        Complete-AvaTrainInstance $other
        Complete-AvaTrainInstance $leader
        # The job runs again on the same instance, but node 1 never comes this time.
        $again = New-AvaTrainInstance -Id resumed -Node 0
        Complete-AvaTrainInstance $again -WarningAction SilentlyContinue
        (Get-Content $again.StatusPath -Raw | ConvertFrom-Json).errorMessage | Should -Match 'node 1 did not record its end'
    }

    It 'starts a new instance when every node of the job''s last one is gone, and refuses to resume it with another node count' {
        $script = Join-Path $TestDrive 'dies.ps1'
        # Killed, so the end of its session does not complete the instance either.
        "`$env:AVA_WORKSPACE = '$workspace'; `$env:JOB_NAME = '$env:JOB_NAME'; `$env:AVA_NUM_NODES = '2'; Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; (New-AvaTrainInstance -Node 0).Id; Stop-Process -Id `$PID -Force" | Set-Content $script
        $dead = (Invoke-ChildScript $script | Select-Object -Last 1).Trim()
        $dead | Should -Match '^\d{8}-'
        $fresh = New-AvaTrainInstance -Node 1
        $fresh.Id | Should -Not -Be $dead -Because 'the process that made it is gone without completing it: this is a new run of the job'
        Complete-AvaTrainInstance $fresh
        $env:AVA_NUM_NODES = $null
        $err = { New-AvaTrainInstance -Id $dead } | Should -Throw -ErrorId 'AvaNodeInvalid,*' -PassThru
        $err.Exception.Message | Should -Match 'belongs to a job of 2 node\(s\)'
    }

    It 'tells a node its rank and the job''s size, and lists the nodes' {
        $leader = New-AvaTrainInstance -Node 0
        $other = New-AvaTrainInstance -Node 1
        $script = 'echo "node=$AVA_NODE of=$AVA_NUM_NODES"; echo "snapshots=$AVA_SNAPSHOT_PATH"; echo "logs=$AVA_LOG_PATH"'
        $null = Invoke-AvaTraining sh -ArgumentList '-c', $script -TrainInstance $other
        $log = Get-Content (Join-Path $other.LogPath 'training.1.log')
        $log | Should -Contain 'node=1 of=2'
        $log | Should -Contain "snapshots=$(Join-Path $other.RunPath 'output.1')" -Because 'node 1''s trainer writes its checkpoints apart from node 0''s'
        $log | Should -Contain "logs=$(Join-Path $other.LogPath 'node1')"
        $other.SnapshotPath | Should -Be (Join-Path $other.RunPath 'output.1')
        Complete-AvaTrainInstance $other
        Complete-AvaTrainInstance $leader
        $listed = Get-AvaTrainInstance -Id $leader.Id -Workspace $workspace
        $listed.NodeCount | Should -Be 2
        $listed.Nodes.Rank | Should -Be 0, 1
        $listed.Nodes.Status | Should -Be 'Done', 'Done'
    }

    It 'records the log format each node''s run detected in its node record, and node 0''s for the instance' {
        $leader = New-AvaTrainInstance -Node 0
        $other = New-AvaTrainInstance -Node 1
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "INFO:root:Epoch[0] Batch [20] Speed: 650.1 samples/sec accuracy=0.10"' -TrainInstance $other
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "{\"loss\": 0.5}"' -TrainInstance $leader -WarningAction SilentlyContinue
        $listed = Get-AvaTrainInstance -Id $leader.Id -Workspace $workspace
        ($listed.Nodes | Where-Object Rank -eq 1).Framework | Should -Be 'MXNet'
        ($listed.Nodes | Where-Object Rank -eq 0).Framework | Should -BeNullOrEmpty
        $listed.Framework | Should -BeNullOrEmpty -Because 'the instance shows node 0''s, which detected none'
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 0.5"' -TrainInstance $leader
        (Get-AvaTrainInstance -Id $leader.Id -Workspace $workspace).Framework | Should -Be 'Caffe'
        Complete-AvaTrainInstance $other
        Complete-AvaTrainInstance $leader
        ((Get-AvaTrainInstance -Id $leader.Id -Workspace $workspace).Nodes | Where-Object Rank -eq 1).Framework | Should -Be 'MXNet' -Because 'a node''s end keeps what its run detected'
    }
}

Describe 'Which node this is' {
    BeforeEach { Clear-Launcher; $env:AVA_WORKSPACE = $script:workspace = New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid())) }
    AfterEach { Clear-Launcher }

    It 'reads the launcher''s variables in the documented order, and shows them in Get-AvaConfig' {
        $env:OMPI_COMM_WORLD_RANK = '3'; $env:OMPI_COMM_WORLD_SIZE = '8'; $env:RANK = '1'; $env:WORLD_SIZE = '2'
        $settings = Get-AvaConfig Node, NodeCount, JobKey
        ($settings | Where-Object Name -eq 'Node').Value | Should -Be '3'
        ($settings | Where-Object Name -eq 'Node').Source | Should -Be 'env:OMPI_COMM_WORLD_RANK,OMPI_COMM_WORLD_SIZE'
        ($settings | Where-Object Name -eq 'NodeCount').Value | Should -Be '8'
        $env:AVA_NODE = '5'
        ($settings = Get-AvaConfig Node) | Out-Null
        (Get-AvaConfig Node).Value | Should -Be '5'
        $env:MASTER_ADDR = '10.0.0.7'; $env:MASTER_PORT = '23456'
        (Get-AvaConfig JobKey).Value | Should -Be '10.0.0.7:23456'
        $env:JOB_NAME = 'atnet-training-abc-1'
        (Get-AvaConfig JobKey).Value | Should -Be 'atnet-training-abc-1'
    }

    It 'refuses a rank past the job''s size with AvaNodeInvalid' {
        $env:RANK = '4'; $env:WORLD_SIZE = '4'; $env:JOB_NAME = 'j'
        $err = { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaNodeInvalid,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Match 'Node 4 is not one of the job''s 4 node\(s\)'
        Join-Path $workspace 'run' | Should -Not -Exist
    }

    It 'needs a job key or an id for a job of several nodes (AvaJobKeyMissing)' {
        $env:RANK = '1'; $env:WORLD_SIZE = '2'
        $err = { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaJobKeyMissing,*' -PassThru
        $err.ErrorDetails.Message | Should -Match '-Id'
        $train = New-AvaTrainInstance -Id 'shared-by-hand'
        $train.Node | Should -Be 1
        Join-Path $train.RunPath 'status.json' | Should -Not -Exist -Because 'node 0 writes the instance''s status'
        Join-Path $train.RunPath 'nodes/1.json' | Should -Exist
        Complete-AvaTrainInstance $train
    }

    It 'gives DMLC workers with no rank a slot each, and their metrics the node their log names' {
        $env:DMLC_ROLE = 'worker'; $env:DMLC_NUM_WORKER = '2'; $env:JOB_NAME = 'dmlc-job'
        (Get-AvaConfig Node).Description | Should -Match 'takes a free slot'
        $first = New-AvaTrainInstance
        $second = New-AvaTrainInstance
        $second.Id | Should -Be $first.Id
        $first.Node, $second.Node | Should -Be 0, 1
        # ps-lite made the first worker rank 1; its log says so only from its second metric line on.
        $trainer = 'printf "INFO:root:Epoch[0] Batch [20]\tSpeed: 100.5 samples/sec\taccuracy=0.25\n"; printf "INFO:root:Node[1] Epoch[0] Batch [40]\tSpeed: 101.5 samples/sec\taccuracy=0.5\n"'
        $metrics = @(Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework MXNet -TrainInstance $first)
        $metrics.Value | Should -Be 100.5, 0.25, 101.5, 0.5
        $metrics.Node | Should -Be 1, 1, 1, 1 -Because 'the metrics before the first Node[n] line waited for it'
        (Get-Content (Join-Path $first.RunPath 'metrics.0.jsonl') | ConvertFrom-Json).node | Should -Be 1, 1, 1, 1
        # Only MXNet's log names a node: a generic log's metrics carry the worker's slot at once, waiting for nothing.
        (Invoke-AvaTraining sh -ArgumentList '-c', 'echo "{\"loss\": 0.5}"' -TrainInstance $second).Node | Should -Be 1
        Complete-AvaTrainInstance $second
        Complete-AvaTrainInstance $first
        (Get-Content $first.StatusPath -Raw | ConvertFrom-Json).status | Should -Be 'done'
    }

    It 'takes a DMLC worker''s given rank, and keeps a server out of the instance (AvaNodeNotWorker)' {
        $env:DMLC_ROLE = 'worker'; $env:DMLC_NUM_WORKER = '2'; $env:JOB_NAME = 'j'; $env:DMLC_WORKER_ID = '1'
        (Get-AvaConfig Node).Value | Should -Be '1'
        $env:DMLC_ROLE = 'server'
        (Get-AvaConfig Node).Description | Should -Match 'DMLC server'
        { New-AvaTrainInstance } | Should -Throw -ErrorId 'AvaNodeNotWorker,*'
        Join-Path $workspace 'run' | Should -Not -Exist
    }
}
