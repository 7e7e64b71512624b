# A workspace written by AvaSdk 0.1.0 (no layout in status.json, no owner.json, no metrics.delivered) still delivers what it holds.
BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    $script:influxAvailable = Test-InfluxDbAvailable
    if (-not $influxAvailable -and $env:CI -eq 'true') { throw 'influxd is not installed: .ci/run must install the influxdb package.' }
    if ($influxAvailable) { $script:influx = Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influx') }
    $script:savedUrl = $env:AVA_METRICS_URL
    $script:savedWorkspace = $env:AVA_WORKSPACE
}
AfterAll {
    Stop-TestInfluxDb $influx
    $env:AVA_METRICS_URL = $savedUrl
    $env:AVA_WORKSPACE = $savedWorkspace
}

Describe 'A workspace written by AvaSdk 0.1.0' {
    BeforeEach {
        if (-not $influxAvailable) { Set-ItResult -Skipped -Because 'influxd is not installed on this machine (apt-get install influxdb); CI installs it' }
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $env:AVA_WORKSPACE = $workspace
        $env:AVA_METRICS_URL = $influx.WriteUrl
    }

    It 'sends its spooled points once when the instance is resumed, and moves to the current layout' {
        # As 0.1.0 left it when its last post failed: three metrics recorded, two points of them waiting in the spool.
        $run = (New-Item -ItemType Directory "$workspace/run/old-release/logs" -Force).Parent.FullName
        New-Item -ItemType Directory "$run/output" | Out-Null
        Set-Content "$run/status.json" '{ "id": "old-release", "status": "running", "startTime": "2026-11-01T08:00:00.000+00:00", "endTime": null, "errorMessage": null }'
        $records = 1..3 | ForEach-Object {
            '{"name":"loss","value":0.' + $_ + ',"iteration":' + $_ + ',"batch":null,"epoch":null,"phase":"train","framework":"caffe","timestamp":"2026-11-01T08:00:0' + $_ + '.0000000+00:00","trainInstanceId":"old-release","line":' + $_ + '}'
        }
        [IO.File]::WriteAllText("$run/metrics.jsonl", ($records -join "`n") + "`n")
        [IO.File]::WriteAllText("$run/metrics-spool.lp", "ava_metric_training_loss,batch=2,id=old-release,job_type=training,phase=train value=0.2 1793520002000000000`nava_metric_training_loss,batch=3,id=old-release,job_type=training,phase=train value=0.3 1793520003000000000`n")

        $train = New-AvaTrainInstance -Id old-release -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -BeLike '*left running*'
        "$run/metrics-spool.lp" | Should -Not -Exist
        $points = @(Get-InfluxPoint $influx | Where-Object id -eq 'old-release')
        $points.Count | Should -Be 2 -Because 'the spool holds what 0.1.0 could not send; what it recorded beside them had been sent'
        ($points.batch | Sort-Object) | Should -Be @('2', '3')
        Get-Content "$run/metrics.delivered" | Should -Be '3'

        Complete-AvaTrainInstance $train
        $status = Get-Content "$run/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'done'
        $status.layout | Should -Be 2
        @(Get-InfluxPoint $influx | Where-Object id -eq 'old-release').Count | Should -Be 2
    }

    It 'refuses a run folder written by a newer AvaSdk, changing nothing' {
        $run = (New-Item -ItemType Directory "$workspace/run/future" -Force).FullName
        $text = '{ "layout": 99, "id": "future", "status": "running", "startTime": "2026-11-01T08:00:00.000+00:00" }'
        Set-Content "$run/status.json" $text
        $err = { New-AvaTrainInstance -Id future } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaWorkspaceTooNew,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        Get-Content "$run/status.json" -Raw | Should -Be "$text$([Environment]::NewLine)"
    }
}
