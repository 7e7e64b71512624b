BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    # A Caffe log of our own, shaped like the cifar10 quick run (snapshot at iteration 4000).
    $script:fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
    $script:influx = Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influxdb')
    $script:savedUrl = $env:AVA_METRICS_URL
    # Records as metrics.jsonl holds them, read with PowerShell's own JSON reader.
    function Get-Record($Train) { Get-Content (Join-Path $Train.RunPath 'metrics.jsonl') | ConvertFrom-Json -DateKind String }
    function Get-Points([string] $Measurement, [string] $Id) {
        @(Get-InfluxPoint $influx | Where-Object { $_.Measurement -eq $Measurement -and $_.id -eq $Id })
    }
}
AfterAll {
    Stop-TestInfluxDb $influx
    $env:AVA_METRICS_URL = $savedUrl
}

Describe 'Write-AvaMetric' {
    BeforeEach {
        $env:AVA_METRICS_URL = $influx.WriteUrl
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $script:train = New-AvaTrainInstance -Workspace $workspace
    }
    AfterEach {
        Complete-AvaTrainInstance $train -ErrorAction Ignore -WarningAction SilentlyContinue
        $env:AVA_METRICS_URL = $savedUrl
    }

    It 'records a metric in metrics.jsonl and delivers it to InfluxDB with the probe''s name and tags' {
        Write-AvaMetric -Name accuracy -Value 0.912 -Phase Test -Epoch 40 -Iteration 4000
        $record = @(Get-Record $train)
        $record | Should -HaveCount 1
        $record[0].name | Should -Be 'accuracy'
        $record[0].value | Should -Be 0.912
        $record[0].phase | Should -Be 'test'
        $record[0].epoch | Should -Be 40
        $record[0].trainInstanceId | Should -Be $train.Id
        $points = Get-Points 'ava_metric_training_val_accuracy' $train.Id
        $points | Should -HaveCount 1
        $points[0].value | Should -Be 0.912
        $points[0].batch | Should -Be '4000'
        $points[0].epoch | Should -Be '40'
        $points[0].phase | Should -Be 'test'
    }

    It 'takes Import-Csv rows and passes the metrics on with -PassThru' {
        $csv = Join-Path $TestDrive 'eval.csv'
        "Name,Value,Epoch,Phase`nloss,0.31,1,Validation`naccuracy,0.88,1,Validation`nloss,0.25,2,Validation" | Set-Content $csv
        $passed = Import-Csv $csv | Write-AvaMetric -PassThru
        $passed | Should -HaveCount 3
        $passed[0] | Should -BeOfType ([AvaSdk.Metric])
        ($passed | ForEach-Object Value) | Should -Be 0.31, 0.88, 0.25
        (Get-Record $train | ForEach-Object { "$($_.name)=$($_.value)@$($_.epoch)" }) | Should -Be 'loss=0.31@1', 'accuracy=0.88@1', 'loss=0.25@2'
        (Get-Points 'ava_metric_training_val_loss' $train.Id).value | Sort-Object | Should -Be 0.25, 0.31
    }

    It 'records nothing twice: the instance''s own metrics piped back are already there; another run''s are adopted' {
        $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'caffe', $fixture -Framework Caffe -BatchOfEpoch 100 -TrainInstance $train
        $before = @(Get-Record $train).Count
        $before | Should -Be $metrics.Count
        $metrics | Write-AvaMetric -TrainInstance $train
        @(Get-Record $train).Count | Should -Be $before -Because 'they are this instance''s metrics already'

        $other = New-AvaTrainInstance -Workspace $workspace
        $borrowed = @($metrics | Where-Object Name -eq 'loss' | Select-Object -First 5)
        $borrowed | Write-AvaMetric -TrainInstance $other
        $adopted = @(Get-Record $other)
        $adopted | Should -HaveCount 5
        $adopted.trainInstanceId | Select-Object -Unique | Should -Be $other.Id
        $adopted.value | Should -Be $borrowed.Value
        Complete-AvaTrainInstance $other
    }

    It 'goes through the run going on in this process: every derived metric recorded once, the file whole' {
        $derived = 0
        # A trainer slow enough that the run is still going on when the first derived metrics come.
        $trainer = 'for i in $(seq 1 12); do echo "{\"loss\": 0.$i, \"iteration\": $i}"; sleep 0.1; done'
        Invoke-AvaTraining sh -ArgumentList '-c', $trainer -TrainInstance $train |
            ForEach-Object { Write-AvaMetric -Name smoothed_loss -Value ($_.Value / 2) -Iteration $_.Iteration -TrainInstance $train; $derived++ }
        $derived | Should -Be 12
        $records = @(Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | ConvertFrom-Json)
        @($records | Where-Object name -eq 'smoothed_loss') | Should -HaveCount 12
        @($records | Where-Object name -eq 'loss') | Should -HaveCount 12
        # Recorded by the run as they came, between its own: the first derived metric before the last parsed one.
        [array]::IndexOf(@($records.name), 'smoothed_loss') | Should -BeLessThan ([array]::LastIndexOf(@($records.name), 'loss'))
        Complete-AvaTrainInstance $train
        (Get-Points 'ava_metric_training_smoothed_loss' $train.Id) | Should -HaveCount $derived
    }

    It 'keeps what the endpoint does not take and delivers it with the next command' {
        $env:AVA_METRICS_URL = "http://127.0.0.1:$(Get-FreeTcpPort)/write?db=ava"
        $env:AVA_HTTP_TIMEOUT_SEC = '2'
        try {
            Write-AvaMetric -Name f1 -Value 0.7 -Phase Test -WarningVariable warned -WarningAction SilentlyContinue
        }
        finally { $env:AVA_HTTP_TIMEOUT_SEC = $null }
        "$warned" | Should -Match '1 metric\(s\) could not be delivered yet'
        (Get-AvaTrainInstance -Id $train.Id -Workspace $workspace).UndeliveredMetrics | Should -BeGreaterThan 0
        $env:AVA_METRICS_URL = $influx.WriteUrl
        Complete-AvaTrainInstance $train
        Get-Points 'ava_metric_training_val_f1' $train.Id | Should -HaveCount 1
    }

    It 'refuses an instance that has ended, and says what to do without one' {
        Complete-AvaTrainInstance $train
        $err = { Write-AvaMetric -Name x -Value 1 -TrainInstance $train } | Should -Throw -ErrorId 'AvaTrainInstanceCompleted,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.ErrorDetails.Message | Should -BeLike "*resume this one with New-AvaTrainInstance -Id $($train.Id)." -Because 'the hint fills in the id it knows'
        $script = Join-Path $TestDrive 'no-instance.ps1'
        "Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; Write-AvaMetric -Name x -Value 1" | Set-Content $script
        "$(Invoke-ChildScript $script)" | Should -Match 'AvaTrainInstanceNotFound|New-AvaTrainInstance'
    }
}
