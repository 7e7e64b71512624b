BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    # Real logs from ../shared/fixtures (Get-TestFixture skips a spec whose log is absent), or a Caffe log of our own.
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force

    # A training program that replays a log on stderr, as Caffe (glog) and MXNet (Python logging) write it.
    # The snapshot files the logs name are not here, so the warnings about them are silenced.
    function Invoke-Replay([string] $Log, [string] $Framework, [int] $ExitCode = 0, [hashtable] $Extra = @{}) {
        Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2; exit $2', 'replay', (Resolve-Path $Log).Path, "$ExitCode" -Framework $Framework -WarningAction SilentlyContinue @Extra
    }
    function Read-Jsonl([string] $Path) { Get-Content $Path | ForEach-Object { $_ | ConvertFrom-Json -DateKind String } }
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
}

Describe 'Invoke-AvaTraining' {
    BeforeEach {
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $workspace | Out-Null
        $script:train = New-AvaTrainInstance -Id run -Workspace $workspace
        $script:savedUrl = $env:AVA_METRICS_URL
        $env:AVA_METRICS_URL = $null
        Push-Location $workspace
    }
    AfterEach {
        Pop-Location
        $env:AVA_METRICS_URL = $savedUrl
        if ($train.Status -eq 'Running') { Complete-AvaTrainInstance $train -WarningAction SilentlyContinue }
    }

    Context 'a Caffe log' {
        BeforeAll { $script:caffeLog = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log') }

        It 'writes every metric the real cifar10 log holds, with its line, iteration and phase' {
            $real = Get-TestFixture caffe/aieater-rocm_caffe_informations-cifar10.log
            if (-not $real) { return }
            $metrics = Invoke-Replay $real Caffe -Extra @{ TrainInstance = $train }
            $metrics.Count | Should -Be 139
            $metrics[0] | Should -BeOfType ([AvaSdk.Metric])
            ($metrics | Where-Object Name -eq 'lr').Count | Should -Be 40
            ($metrics | Where-Object Phase -eq 'Test').Count | Should -Be 18
            $last = $metrics | Where-Object Name -eq 'accuracy' | Select-Object -Last 1
            $last.Value | Should -Be 0.7054
            $last.Iteration | Should -Be 4000
            $last.Line | Should -Be 854
            $last.Framework | Should -Be 'Caffe'
            $last.TrainInstanceId | Should -Be 'run'
        }

        It 'keeps every raw line in logs/training.log in arrival order' {
            $null = Invoke-Replay $caffeLog Caffe
            Get-Content (Join-Path $train.LogPath 'training.log') | Should -Be (Get-Content $caffeLog)
        }

        It 'records every metric in metrics.jsonl as it goes' {
            $metrics = Invoke-Replay $caffeLog Caffe
            $records = Read-Jsonl (Join-Path $train.RunPath 'metrics.jsonl')
            $records.Count | Should -Be $metrics.Count
            $records[5].name | Should -Be $metrics[5].Name
            $records[5].value | Should -Be $metrics[5].Value
            $records[5].line | Should -Be $metrics[5].Line
            $records[5].phase | Should -Be 'train'
            $records[5].trainInstanceId | Should -Be 'run'
        }

        It 'gives metrics an epoch and a batch within it with -BatchOfEpoch, in the pipeline and metrics.jsonl' {
            $metrics = Invoke-Replay $caffeLog Caffe -Extra @{ BatchOfEpoch = 500 }
            $at1400 = $metrics | Where-Object Iteration -eq 1400 | Select-Object -First 1
            ($at1400.Epoch, $at1400.Batch) | Should -Be @(2, 400)
            $record = Read-Jsonl (Join-Path $train.RunPath 'metrics.jsonl') | Where-Object iteration -eq 1400 | Select-Object -First 1
            ($record.epoch, $record.batch) | Should -Be @(2, 400)
        }

        It 'shows metrics as a compact table' {
            $table = Invoke-Replay $caffeLog Caffe | Select-Object -First 3 | Format-Table | Out-String
            $table | Should -Match 'Line\s+Phase\s+Epoch\s+Iteration\s+Batch\s+Name\s+Value'
        }
    }

    Context 'a real MXNet log' {
        It 'reads every Speedometer, validation, time-cost and learning rate line' {
            $log = Get-TestFixture mxnet/tornadomeet-resnet-164.log
            if (-not $log) { return }
            # The log names 300 checkpoints whose files are not here: one warning each.
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'replay', $log -Framework MXNet -WarningVariable warnings -WarningAction SilentlyContinue
            # 2100 Speedometer lines of two metrics, 300 validation and 300 time-cost lines, 3 learning rate changes.
            $metrics.Count | Should -Be 4803
            $warnings.Count | Should -Be 300
            ($metrics | Where-Object Phase -eq 'Validation').Count | Should -Be 300
            ($metrics | Where-Object Name -eq 'speed' | Select-Object -First 1).Value | Should -Be 707.55
        }
    }

    Context 'streaming' {
        It 'writes each metric to the pipeline while the process still runs' {
            $go = Join-Path $TestDrive "go-$([guid]::NewGuid())"
            # The second line comes only after the consumer has seen the first metric; if metrics came at the end, it would time out and fail.
            $trainer = 'echo "Iteration 1, loss = 1" >&2; i=0; while [ ! -f "$1" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; [ -f "$1" ] || exit 9; echo "Iteration 2, loss = 2" >&2'
            $seen = Invoke-AvaTraining sh -ArgumentList '-c', $trainer, 'trainer', $go -Framework Caffe |
                ForEach-Object { if ($_.Iteration -eq 1) { New-Item -ItemType File -Path $go | Out-Null }; $_ }
            $seen.Iteration | Should -Be @(1, 2)
        }

        It 'never lets a slow consumer block the child on a full pipe' {
            $done = Join-Path $TestDrive "done-$([guid]::NewGuid())"
            # 20000 lines (about 1.4 MB) are far more than a pipe holds; the child finishes while the consumer still holds the first metric.
            $trainer = 'i=0; while [ $i -lt 20000 ]; do echo "I0613 10:22:25.735756   202 solver.cpp:218] Iteration $i, loss = 0.5" >&2; i=$((i+1)); done; touch "$1"'
            $finishedWhileBlocked = $null
            $count = 0
            Invoke-AvaTraining sh -ArgumentList '-c', $trainer, 'trainer', $done -Framework Caffe | ForEach-Object {
                if ($count++ -eq 0) {
                    $deadline = [DateTime]::UtcNow.AddSeconds(60)
                    while (-not (Test-Path $done) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                    $finishedWhileBlocked = Test-Path $done
                }
            }
            $finishedWhileBlocked | Should -BeTrue
            $count | Should -Be 20000
        }

        It 'sends the raw lines of stdout and stderr to the Verbose stream' {
            $verbose = Invoke-AvaTraining sh -ArgumentList '-c', 'echo to-stdout; echo to-stderr >&2' -Verbose 4>&1 |
                Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            $verbose.Message | Should -Contain 'to-stdout'
            $verbose.Message | Should -Contain 'to-stderr'
        }
    }

    Context 'progress bars and endless lines' {
        It 'reads each \r-ended update of a progress bar as a line of its own, as it arrives' {
            $go = Join-Path $TestDrive "go-$([guid]::NewGuid())"
            # The later updates come only after the consumer has seen the first metric; were updates parsed only at the
            # stream's end, the trainer would give up waiting and say so.
            $trainer = 'printf "{\"loss\": 1}\r"; i=0; while [ ! -f "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -f "$1" ] || printf "{\"waited\": 1}\r"; printf "{\"loss\": 2}\r{\"loss\": 3}\r\n"'
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', $trainer, 'trainer', $go |
                ForEach-Object { if (-not (Test-Path $go)) { New-Item -ItemType File -Path $go | Out-Null }; $_ }
            $metrics.Name | Should -Be @('loss', 'loss', 'loss')
            $metrics.Value | Should -Be @(1, 2, 3)
            $metrics.Line | Should -Be @(1, 2, 3)
            [IO.File]::ReadAllText((Join-Path $train.LogPath 'training.log')) | Should -BeExactly "{`"loss`": 1}`r{`"loss`": 2}`r{`"loss`": 3}`r`n"
        }

        It 'ends a line at a run of \b, as Keras erases its bar, and at \r\n' {
            $trainer = 'printf "Iteration 1, loss = 1\b\b\b\bIteration 2, loss = 0.5\r\nIteration 3, loss = 0.25\n"'
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe
            $metrics.Iteration | Should -Be @(1, 2, 3)
            $metrics.Line | Should -Be @(1, 2, 3)
        }

        It 'takes a \r\n cut between two writes as one line break, and the other stream''s empty line between them as a line' {
            $trainer = 'printf "Iteration 1, loss = 1\r"; sleep 0.5; printf "\n" >&2; sleep 0.5; printf "\nIteration 2, loss = 2\n"'
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe
            $metrics.Iteration | Should -Be @(1, 2)
            $metrics.Line | Should -Be @(1, 3)
            [IO.File]::ReadAllText((Join-Path $train.LogPath 'training.log')) | Should -BeExactly "Iteration 1, loss = 1`r`n`nIteration 2, loss = 2`n"
        }

        It 'keeps a 2 MiB line without a line break in training.log but does not parse it, warns once, and parses the other stream''s line written between its pieces' {
            # 1.5 MB of the line, then a metric on stderr, then the other 0.6 MB; the log's second long line warns no more.
            $trainer = 'head -c 1500000 /dev/zero | tr "\0" x; sleep 1; echo "Iteration 5, loss = 0.25" >&2; sleep 1; head -c 600000 /dev/zero | tr "\0" y; echo; head -c 1100000 /dev/zero | tr "\0" z; echo "Iteration 6, loss = 0.125"'
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe -WarningVariable warnings -WarningAction SilentlyContinue
            $metrics.Iteration | Should -Be @(5)
            $metrics[0].Value | Should -Be 0.25
            $metrics[0].Line | Should -Be 1
            $warnings.Count | Should -Be 1
            "$warnings" | Should -Match 'AvaLogLineTooLong'
            $log = [IO.File]::ReadAllText((Join-Path $train.LogPath 'training.log'))
            $log.Length | Should -Be (1500000 + 25 + 600000 + 1 + 1100000 + 26)
            $log | Should -Match "^x{1500000}Iteration 5, loss = 0.25`ny{600000}`nz{1100000}Iteration 6, loss = 0.125`n$"
        }
    }

    Context 'exit and errors' {
        It 'sets $LASTEXITCODE to 0 on success' {
            $global:LASTEXITCODE = 42
            $null = Invoke-AvaTraining sh -ArgumentList '-c', 'exit 0'
            $global:LASTEXITCODE | Should -Be 0
        }

        It 'stops with AvaTrainingFailed, the exit code and the last lines on a non-zero exit' {
            $log = Get-TestFixture caffe/cvjena-cnn-models-AlexNet_cvgj-test.log
            if (-not $log) { return }
            $err = { Invoke-Replay $log Caffe -ExitCode 3 } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainingFailed,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidResult'
            $err.Exception.Message | Should -Match 'exited with code 3'
            $err.Exception.Message | Should -Match 'Test net output #2: top5 = 0.818901'
            $global:LASTEXITCODE | Should -Be 3
        }

        It 'still writes the metrics parsed before a failure' {
            $log = Get-TestFixture caffe/cvjena-cnn-models-AlexNet_cvgj-test.log
            if (-not $log) { return }
            $metrics = [System.Collections.Generic.List[object]]::new()
            { Invoke-Replay $log Caffe -ExitCode 1 | ForEach-Object { $metrics.Add($_) } } | Should -Throw
            $metrics.Count | Should -Be 4
            (Get-Content (Join-Path $train.RunPath 'metrics.jsonl')).Count | Should -Be 4
        }

        It 'stops with AvaTrainingNotStarted for a program that is not on PATH' {
            $err = { Invoke-AvaTraining no-such-trainer-xyz } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainingNotStarted,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -Match 'no-such-trainer-xyz'
        }

        It 'stops with AvaTrainingNotStarted for a path that does not exist' {
            $err = { Invoke-AvaTraining ./missing/train.sh } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainingNotStarted,*'
        }

        It 'rejects an unusable -MetricDefinition with AvaMetricDefinitionInvalid' {
            $err = { Invoke-AvaTraining sh -ArgumentList '-c', 'true' -MetricDefinition @{ Name = 'loss'; Regex = 'loss: \d+' } } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaMetricDefinitionInvalid,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
    }

    Context 'generic programs' {
        It 'reads metrics with -MetricDefinition and from JSON lines' {
            $trainer = 'echo "step 1 loss: 0.5"; echo "{\"step\": 2, \"epoch\": 1, \"loss\": 0.25, \"acc\": 0.9}"; echo "step 3 loss: nan"'
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -MetricDefinition @{ Name = 'loss'; Regex = 'loss: ([-+0-9.eE]+|nan|inf)' }
            $metrics.Name | Should -Be @('loss', 'loss', 'acc', 'loss')
            $metrics[1].Iteration | Should -Be 2
            $metrics[2].Epoch | Should -Be 1
            [double]::IsNaN($metrics[3].Value) | Should -BeTrue
        }

        It 'passes arguments through unchanged, spaces and quotes included' {
            $out = Join-Path $TestDrive 'args.txt'
            $null = Invoke-AvaTraining sh -ArgumentList '-c', 'for a in "$@"; do echo "[$a]"; done > "$0"', $out, 'two words', 'quote"d', '', 'back\slash\'
            Get-Content $out | Should -Be @('[two words]', '[quote"d]', '[]', '[back\slash\]')
        }
    }

    Context 'the log''s format, detected without -Framework' {
        BeforeAll {
            # Shaped as a fixture's solver lines (caffe/aieater-rocm_caffe_informations-cifar10.log), so that this runs without ../shared.
            $script:caffeLines = @(
                'I0331 11:06:32.847487 24302 solver.cpp:48] Initializing solver from parameters: '
                'I0331 11:06:34.923990 24302 solver.cpp:228] Iteration 0, loss = 2.30337'
                'I0331 11:06:34.924007 24302 sgd_solver.cpp:106] Iteration 0, lr = 0.001'
                'I0331 11:06:35.254720 24302 solver.cpp:228] Iteration 100, loss = 2.1'
            )
            $script:mxnetLines = @(
                'INFO:root:start with arguments Namespace(batch_size=128)'
                "INFO:root:Epoch[0] Batch [50]`tSpeed: 707.55 samples/sec`tTrain-accuracy=0.198750"
                'INFO:root:Epoch[0] Validation-accuracy=0.502670'
            )
            function Invoke-Trainer([string[]] $Lines, [hashtable] $Extra = @{}) {
                $log = Join-Path $TestDrive "$([guid]::NewGuid()).log"
                Set-Content $log $Lines
                Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'replay', $log -TrainInstance $train @Extra
            }
        }

        It 'reads a Caffe trainer''s metrics as Caffe''s, in the pipeline and in metrics.jsonl' {
            $metrics = Invoke-Trainer $caffeLines
            $metrics.Name | Should -Be @('loss', 'lr', 'loss')
            $metrics.Iteration | Should -Be @(0, 0, 100)
            $metrics.Framework | Should -Be @('Caffe', 'Caffe', 'Caffe')
            (Read-Jsonl (Join-Path $train.RunPath 'metrics.jsonl')).framework | Should -Be @('caffe', 'caffe', 'caffe')
            (Get-AvaMetric $train).Framework | Should -Be @('Caffe', 'Caffe', 'Caffe')
        }

        It 'reads an MXNet trainer''s metrics as MXNet''s' {
            $metrics = Invoke-Trainer $mxnetLines
            $metrics.Name | Should -Be @('speed', 'accuracy', 'accuracy')
            $metrics.Phase | Should -Be @('Train', 'Train', 'Validation')
            $metrics.Framework | Should -Be @('MXNet', 'MXNet', 'MXNet')
        }

        It 'reads JSON lines alone as Generic, and detects no format' {
            $metrics = Invoke-Trainer @('{"step": 1, "loss": 0.5}', 'warming up', '{"step": 2, "loss": 0.25}')
            $metrics.Value | Should -Be @(0.5, 0.25)
            $metrics.Framework | Should -Be @('Generic', 'Generic')
            $listed = Get-AvaTrainInstance run -Workspace $workspace
            $listed.PSObject.Properties.Name | Should -Contain 'Framework'
            $listed.Framework | Should -BeNullOrEmpty
        }

        It 'applies -MetricDefinition as with any framework' {
            $metrics = Invoke-Trainer ($caffeLines + 'top1 = 0.75') -Extra @{ MetricDefinition = @{ Name = 'top1'; Regex = 'top1 = ([0-9.]+)' } }
            $top1 = $metrics | Where-Object Name -eq 'top1'
            ($top1.Value, $top1.Framework) | Should -Be @(0.75, 'Caffe')
        }

        It 'says in the verbose stream which format it detected, and on which line' {
            $verbose = Invoke-Trainer $caffeLines -Extra @{ Verbose = $true } 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
            $verbose.Message | Should -Contain 'Detected the log''s format: Caffe (line 2)'
        }

        It 'records the detected format with the instance, for Get-AvaTrainInstance' {
            $null = Invoke-Trainer $mxnetLines
            $train.Framework | Should -Be 'MXNet'
            (Get-AvaTrainInstance run -Workspace $workspace).Framework | Should -Be 'MXNet'
            (Get-Content (Join-Path $train.RunPath 'status.json') -Raw | ConvertFrom-Json).framework | Should -Be 'mxnet'
        }

        It 'warns once with AvaNoMetricsRecognised, naming the formats tried and what to pass, when the whole log yields no metric' {
            $output = Invoke-Trainer @('starting', 'epoch 1 done', 'bye') 3>&1
            $warnings = @($output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] })
            $output | Where-Object { $_ -is [AvaSdk.Metric] } | Should -BeNullOrEmpty
            $warnings | Should -HaveCount 1
            $warnings[0].Message | Should -BeLike '*AvaNoMetricsRecognised*'
            $warnings[0].Message | Should -BeLike '*Caffe, MXNet and JSON lines*'
            $warnings[0].Message | Should -BeLike '*-Framework*'
            $warnings[0].Message | Should -BeLike '*-MetricDefinition*'
        }

        It 'does not warn when the log yields metrics' {
            $output = Invoke-Trainer $caffeLines 3>&1
            $output | Where-Object { $_ -is [AvaSdk.Metric] } | Should -HaveCount 3
            $output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | Should -BeNullOrEmpty
        }
    }

    Context 'instances' {
        It 'uses the instance this session created last when none is given' {
            $latest = New-AvaTrainInstance -Id latest -Workspace $workspace
            $metric = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 1"' -Framework Caffe
            $metric.TrainInstanceId | Should -Be 'latest'
            Join-Path $latest.LogPath 'training.log' | Should -Exist
            Complete-AvaTrainInstance $latest
        }

        It 'stops with AvaTrainInstanceNull for an explicit -TrainInstance $null, running nothing' {
            $err = { Invoke-AvaTraining sh -ArgumentList '-c', 'echo ran > ran.txt' -TrainInstance $null } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceNull,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -BeLike '*-TrainInstance*New-AvaTrainInstance*'
            Join-Path $workspace 'ran.txt' | Should -Not -Exist
            Join-Path $workspace 'ava-run' | Should -Not -Exist
        }

        It 'stops the calling script, not only the statement, when it fails' {
            $script = Join-Path $workspace 'job.ps1'
            Set-Content $script "Import-Module '$manifestPath'; `$lost = `$null; Invoke-AvaTraining sh -ArgumentList '-c', 'true' -TrainInstance `$lost; 'went on'"
            $output = Invoke-ChildScript $script
            $output | Out-String | Should -Match 'InvalidArgument'
            $output | Should -Not -Contain 'went on'
            Join-Path $workspace 'ava-run' | Should -Not -Exist
        }

        It 'without an instance starts one in the workspace as New-AvaTrainInstance does, says so, and a bare Complete-AvaTrainInstance completes it' {
            $current = Join-Path $TestDrive "cwd-$([guid]::NewGuid())"
            New-Item -ItemType Directory -Path $current | Out-Null
            $saved = $env:AVA_WORKSPACE
            $ps = [powershell]::Create()
            try {
                $env:AVA_WORKSPACE = $workspace
                $null = $ps.AddScript("Set-Location '$current'; Import-Module '$manifestPath'; Invoke-AvaTraining sh -ArgumentList '-c', 'echo ""Iteration 7, loss = 0.5""' -Framework Caffe; Complete-AvaTrainInstance -PassThru")
                $metric, $completed = $ps.Invoke()
                $warning = "$($ps.Streams.Warning)"
            } finally { $ps.Dispose(); $env:AVA_WORKSPACE = $saved }
            $completed.Id | Should -Not -Be 'run'
            $completed.Workspace | Should -Be $workspace
            $completed.Status | Should -Be 'Done'
            (Get-Content $completed.StatusPath -Raw | ConvertFrom-Json).status | Should -Be 'done'
            $warning | Should -BeLike "*training instance '$($completed.Id)' was started in '$workspace'*New-AvaTrainInstance*Complete-AvaTrainInstance*"
            $metric.Value | Should -Be 0.5
            $metric.TrainInstanceId | Should -Be $completed.Id
            (Read-Jsonl (Join-Path $completed.RunPath 'metrics.jsonl')).trainInstanceId | Should -Be $completed.Id
            Join-Path $current 'ava-run' | Should -Not -Exist
        }

        It 'without an instance, in a workspace that does not exist, stops with New-AvaTrainInstance''s AvaWorkspaceNotFound, running nothing' {
            $missing = Join-Path $workspace 'missing'
            $saved = $env:AVA_WORKSPACE
            $ps = [powershell]::Create()
            try {
                $env:AVA_WORKSPACE = $missing
                $null = $ps.AddScript("Set-Location '$workspace'; Import-Module '$manifestPath'; try { New-AvaTrainInstance } catch { `$_ }; try { Invoke-AvaTraining sh -ArgumentList '-c', 'echo ran > ran.txt' } catch { `$_ }")
                $fromNew, $fromInvoke = $ps.Invoke()
            } finally { $ps.Dispose(); $env:AVA_WORKSPACE = $saved }
            $fromNew.FullyQualifiedErrorId | Should -BeLike 'AvaWorkspaceNotFound,*'
            $fromInvoke.FullyQualifiedErrorId | Should -BeLike 'AvaWorkspaceNotFound,*'
            $fromInvoke.CategoryInfo.Category | Should -Be $fromNew.CategoryInfo.Category
            $fromInvoke.Exception.Message | Should -Be $fromNew.Exception.Message
            Join-Path $workspace 'ran.txt' | Should -Not -Exist
            Join-Path $workspace 'ava-run' | Should -Not -Exist
        }

        It 'never completes the instance when it fails: a try/catch around it goes on in the running instance, and a restart trains on' {
            $job = Join-Path $workspace 'restart.ps1'
            Set-Content $job @"
Import-Module '$manifestPath'
`$env:AVA_WORKSPACE = '$workspace'
`$train = New-AvaTrainInstance -Id restarted
try { Invoke-AvaTraining sh -ArgumentList '-c', 'exit 1' } catch { 'caught: ' + `$_.FullyQualifiedErrorId }
'after the failure: ' + (Get-Content `$train.StatusPath -Raw | ConvertFrom-Json).status
Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 8, loss = 0.25" >&2' -Framework Caffe | ForEach-Object { 'restarted: ' + `$_.TrainInstanceId }
"@
            $output = Invoke-ChildScript $job
            $output | Should -Contain 'caught: AvaTrainingFailed,AvaSdk.PowerShell.Cmdlets.InvokeAvaTrainingCommand'
            $output | Should -Contain 'after the failure: running'
            $output | Should -Contain 'restarted: restarted'
            # The script ended normally without completing it: the session's end did.
            $status = Get-Content "$workspace/run/restarted/status.json" -Raw | ConvertFrom-Json
            $status.status | Should -Be 'done'
        }
    }

    Context 'what the trainer is told' {
        It 'passes the instance''s places and id, and -Environment wins over them' {
            $trainer = 'echo "ws=$AVA_WORKSPACE id=$AVA_TRAINING_INSTANCE_ID params=$AVA_PARAMS_PATH snap=$AVA_SNAPSHOT_PATH log=$AVA_LOG_PATH node=$AVA_NODE/$AVA_NUM_NODES mine=$MINE gone=${HOME:-unset}"'
            $line = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -TrainInstance $train -Environment @{ MINE = 'yes'; AVA_NODE = '3'; HOME = $null } -Verbose 4>&1 |
                Where-Object { "$_" -like 'ws=*' } | ForEach-Object { "$_" }
            $line | Should -Be "ws=$($train.Workspace) id=$($train.Id) params=$($train.ParamsPath) snap=$($train.SnapshotPath) log=$($train.LogPath) node=3/1 mine=yes gone=unset"
        }
    }

    Context 'settings' {
        It 'takes AVA_METRICS_URL through the one config resolver: an unusable one is a warning naming it, and the run goes on' {
            $saved = $env:AVA_METRICS_URL
            try {
                $env:AVA_METRICS_URL = 'not a url'
                (Get-AvaConfig MetricsUrl).Source | Should -Be 'env:AVA_METRICS_URL'
                $metrics = @(Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 7, loss = 0.5"' -Framework Caffe -WarningVariable warnings -WarningAction SilentlyContinue)
                $metrics.Count | Should -Be 1
                "$warnings" | Should -Match "kept locally in metrics.jsonl: MetricsUrl 'not a url' from env:AVA_METRICS_URL is not an http\(s\) URL"
                Join-Path $train.RunPath 'metrics.jsonl' | Should -FileContentMatch '"value":0.5'
            } finally { $env:AVA_METRICS_URL = $saved }
        }

        It 'shows AVA_RESUME_DIR and AVA_TRAINING_INSTANCE_ID in Get-AvaConfig, where they are read' {
            $saved = $env:AVA_RESUME_DIR, $env:AVA_TRAINING_INSTANCE_ID
            try {
                $env:AVA_RESUME_DIR = Join-Path $TestDrive 'resume'
                $env:AVA_TRAINING_INSTANCE_ID = 'from-env'
                $shown = Get-AvaConfig ResumeFolder, TrainInstanceId
                ($shown | Where-Object Name -eq 'ResumeFolder').Value | Should -Be $env:AVA_RESUME_DIR
                ($shown | Where-Object Name -eq 'TrainInstanceId').Source | Should -Be 'env:AVA_TRAINING_INSTANCE_ID'
                (New-AvaTrainInstance -Workspace $workspace).Id | Should -Be 'from-env'
            } finally { $env:AVA_RESUME_DIR, $env:AVA_TRAINING_INSTANCE_ID = $saved }
        }
    }

    Context 'snapshots' {
        It 'copies a Caffe snapshot and its solver state into SnapshotPath' {
            $trainer = 'mkdir -p snap; echo weights > snap/net_iter_500.caffemodel; echo "Snapshotting to binary proto file snap/net_iter_500.caffemodel" >&2; echo state > snap/net_iter_500.solverstate; echo "Snapshotting solver state to binary proto file snap/net_iter_500.solverstate" >&2; echo "Iteration 500, loss = 1" >&2'
            $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe -BatchOfEpoch 250 -Verbose 4>$null
            (Get-ChildItem $train.SnapshotPath).Name | Should -Be @('net_iter_500.caffemodel', 'net_iter_500.solverstate')
            Join-Path $train.SnapshotPath 'net_iter_500.solverstate' | Should -FileContentMatchExactly 'state'
            Join-Path $train.LogPath 'ava.log' | Should -FileContentMatch 'Snapshot at log line 1 \(epoch 2\)'
        }

        It 'copies an MXNet checkpoint with its symbol and states files' {
            $trainer = 'mkdir -p model; echo p > model/net-0002.params; echo s > model/net-symbol.json; echo o > model/net-0002.states; echo "INFO:root:Saved checkpoint to \"model/net-0002.params\"" >&2'
            $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework MXNet
            (Get-ChildItem $train.SnapshotPath).Name | Sort-Object | Should -Be @('net-0002.params', 'net-0002.states', 'net-symbol.json')
        }

        It 'warns when a named snapshot file is missing, and goes on' {
            $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "INFO:root:Saved checkpoint to \"gone-0001.params\"" >&2; echo "INFO:root:Epoch[0] Validation-accuracy=0.5" >&2' -Framework MXNet -WarningVariable warnings -WarningAction SilentlyContinue
            $metrics.Count | Should -Be 1
            $warnings.Message | Should -Match 'gone-0001.params'
        }
    }

    Context 'Ctrl+C' -Skip:($IsWindows) {
        It 'kills the process tree at once, leaves nothing running and keeps what was parsed' {
            $folder = Join-Path $TestDrive "stop-$([guid]::NewGuid())"
            New-Item -ItemType Directory -Path $folder | Out-Null
            $trainer = 'sleep 1000 & echo $! > grandchild.pid; echo $$ > child.pid; i=0; while true; do echo "Iteration $i, loss = 1" >&2; i=$((i+1)); sleep 0.05; done'
            $ps = [powershell]::Create()
            $savedWorkspace = $env:AVA_WORKSPACE
            try {
                # Its instance is started in the workspace (the test's folder), as Invoke-AvaTraining starts one without -TrainInstance.
                $env:AVA_WORKSPACE = $folder
                $null = $ps.AddScript("Set-Location '$folder'; Import-Module '$manifestPath'; Invoke-AvaTraining sh -ArgumentList '-c', '$($trainer -replace "'", "''")' -Framework Caffe")
                $async = $ps.BeginInvoke()
                Wait-Until { Test-Path "$folder/run/*/metrics.jsonl" } -Seconds 30 | Out-Null
                $jsonl = (Resolve-Path "$folder/run/*/metrics.jsonl").Path
                $deadline = [DateTime]::UtcNow.AddSeconds(30)
                while (-not ((Test-Path $jsonl) -and @(Get-Content $jsonl).Count -ge 3) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
                $ps.Stop()
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                foreach ($pidFile in 'child.pid', 'grandchild.pid') {
                    $processId = [int](Get-Content (Join-Path $folder $pidFile))
                    $state = if (Test-Path "/proc/$processId/stat") { ((Get-Content "/proc/$processId/stat" -Raw) -split '\) ')[1][0] } else { 'gone' }
                    $state | Should -BeIn @('gone', 'Z') -Because "$pidFile ($processId) must not be running"
                }
                $logged = @(Get-Content (Resolve-Path "$folder/run/*/logs/training.log").Path | Where-Object { $_ -match 'loss' }).Count
                @(Get-Content $jsonl).Count | Should -Be $logged
            } finally { $ps.Dispose(); $env:AVA_WORKSPACE = $savedWorkspace }
        }

        It 'ends a pwsh -File script it stops (SIGINT) with its instance failed, stopped by the user, and a warning' {
            $folder = (New-Item -ItemType Directory (Join-Path $TestDrive "sigint-$([guid]::NewGuid())")).FullName
            $job = Join-Path $folder 'job.ps1'
            Set-Content $job "Import-Module '$manifestPath'; `$env:AVA_WORKSPACE = '$folder'; `$null = New-AvaTrainInstance -Id interrupted; Invoke-AvaTraining sh -ArgumentList '-c', 'touch ''$folder/started''; sleep 60'; 'went on'"
            $child = Start-ChildPwsh $job
            try {
                Wait-Until { Test-Path "$folder/started" } | Should -BeTrue
                kill -INT $child.Id
                $child.WaitForExit(60000) | Should -BeTrue -Because "pwsh ends once SIGINT stopped Invoke-AvaTraining"
            } finally { if (-not $child.HasExited) { $child.Kill() } }
            $child.Output.Result | Should -Not -Match 'went on'
            $child.Errors.Result | Should -Match "WARNING: Training instance 'interrupted' was still running when its PowerShell session ended, so AvaSdk marked it failed \(stopped by the user\)"
            $status = Get-Content "$folder/run/interrupted/status.json" -Raw | ConvertFrom-Json
            $status.status | Should -Be 'failed'
            $status.errorMessage | Should -Be 'stopped by the user'
            "$folder/run/interrupted/logs/ava.log" | Should -FileContentMatch 'marked it failed \(stopped by the user\) for you'
        }
    }
}

Describe 'Invoke-AvaTraining reporting to InfluxDB' {
    BeforeAll {
        $script:influxAvailable = Test-InfluxDbAvailable
        if (-not $influxAvailable -and $env:CI -eq 'true') { throw 'influxd is not installed: .ci/run must install the influxdb package.' }
        if ($influxAvailable) { $script:influx = Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influx') }
    }
    AfterAll { Stop-TestInfluxDb $influx }
    BeforeEach {
        if (-not $influxAvailable) { Set-ItResult -Skipped -Because 'influxd is not installed on this machine (apt-get install influxdb); CI installs it' }
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $workspace | Out-Null
        $script:savedUrl = $env:AVA_METRICS_URL
    }
    AfterEach { $env:AVA_METRICS_URL = $savedUrl }

    It 'delivers every metric that metrics.jsonl holds' {
        $log = Get-TestFixture caffe/aieater-rocm_caffe_informations-cifar10.log
        if (-not $log) { return }
        $env:AVA_METRICS_URL = $influx.WriteUrl
        $train = New-AvaTrainInstance -Id influx-ok -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'replay', $log -Framework Caffe -WarningAction SilentlyContinue
        Complete-AvaTrainInstance $train -WarningVariable warnings
        $warnings | Should -BeNullOrEmpty

        $records = Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | ConvertFrom-Json
        $points = @(Get-InfluxPoint $influx | Where-Object id -eq 'influx-ok')
        $points.Count | Should -Be $records.Count
        # One solver loss per displayed iteration; the raw train net outputs are output:loss.
        ($points | Where-Object Measurement -eq 'ava_metric_training_loss').Count | Should -Be 41
        ($points | Where-Object Measurement -eq 'ava_metric_training_output_loss').Count | Should -Be 40
        ($points | Where-Object Measurement -eq 'ava_metric_training_learning_rate').Count | Should -Be 40
        ($points | Where-Object Measurement -eq 'ava_metric_training_val_accuracy').Count | Should -Be 9
        $last = $points | Where-Object Measurement -eq 'ava_metric_training_val_accuracy' | Sort-Object time | Select-Object -Last 1
        $last.value | Should -Be 0.7054
        $last.batch | Should -Be '4000'
        $last.job_type | Should -Be 'training'
    }

    It 'keeps apart the values of one series that arrive in the same instant, and a second delivery counts nothing twice' {
        $log = Get-TestFixture mxnet/tornadomeet-resnet-18.log
        if (-not $log) { return }
        $env:AVA_METRICS_URL = $influx.WriteUrl
        $train = New-AvaTrainInstance -Id influx-burst -Workspace $workspace
        # 20,000 lines each giving two values of one series (no iteration, no epoch) at the same instant, and MXNet's
        # Speedometer repeating Speed per metric.
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'seq 1 20000 | sed "s/.*/step loss = & aux = &0/"; cat "$1" >&2', 'burst', $log `
            -Framework MXNet -MetricDefinition @{ Name = 'loss'; Regex = 'step loss = (\d+)' }, @{ Name = 'loss'; Regex = 'aux = (\d+)' } -WarningAction SilentlyContinue
        Complete-AvaTrainInstance $train
        $records = @(Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | ConvertFrom-Json)
        $points = @(Get-InfluxPoint $influx | Where-Object id -eq 'influx-burst')
        @($points | Where-Object Measurement -eq 'ava_metric_training_loss').Count | Should -Be 40000
        $points.Count | Should -Be @($records | Where-Object { $_.value -isnot [string] }).Count
        # Sent again from metrics.jsonl (as after a crash): the same points, so nothing more.
        Set-Content (Join-Path $train.RunPath 'metrics.delivered') '0'
        $resumed = New-AvaTrainInstance -Id influx-burst -Workspace $workspace -WarningAction SilentlyContinue
        Complete-AvaTrainInstance $resumed
        Get-Content (Join-Path $train.RunPath 'metrics.delivered') | Should -Be "$($records.Count)"
        @(Get-InfluxPoint $influx | Where-Object id -eq 'influx-burst').Count | Should -Be $points.Count
    }

    It 'spools what it cannot send, warns how many and where, and delivers them at completion' {
        $log = Get-TestFixture caffe/cvjena-cnn-models-VGG19_cvgj-test.log
        if (-not $log) { return }
        $env:AVA_METRICS_URL = "http://127.0.0.1:$(Get-FreeTcpPort)/write?db=$($influx.Database)"
        $train = New-AvaTrainInstance -Id influx-later -Workspace $workspace
        $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'replay', $log -Framework Caffe -WarningVariable warnings -WarningAction SilentlyContinue
        $metrics.Count | Should -Be 4
        $warnings.Message | Should -Match '^4 metric\(s\) could not be delivered yet; they are kept in .*metrics-spool\.lp'
        (Get-Content (Join-Path $train.RunPath 'metrics-spool.lp')).Count | Should -Be 4

        $env:AVA_METRICS_URL = $influx.WriteUrl
        Complete-AvaTrainInstance $train -WarningVariable completionWarnings
        $completionWarnings | Should -BeNullOrEmpty
        Join-Path $train.RunPath 'metrics-spool.lp' | Should -Not -Exist
        @(Get-InfluxPoint $influx | Where-Object id -eq 'influx-later').Count | Should -Be 4
    }

    It 'warns at completion when spooled metrics still cannot be delivered' {
        $env:AVA_METRICS_URL = "http://127.0.0.1:$(Get-FreeTcpPort)/write?db=ava"
        $train = New-AvaTrainInstance -Id influx-never -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 1"' -Framework Caffe -WarningAction SilentlyContinue
        Complete-AvaTrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings.Message | Should -Match "1 metric point\(s\) of instance 'influx-never' could not be delivered"
        $train.Status | Should -Be 'Done'
        Join-Path $train.RunPath 'metrics-spool.lp' | Should -Exist
    }
}
