BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    $script:savedUrl = $env:AVA_METRICS_URL
}
AfterAll { $env:AVA_METRICS_URL = $savedUrl }

Describe 'Get-AvaTrainInstance' {
    BeforeEach {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $env:AVA_METRICS_URL = $null
    }

    It 'lists the instances with their status, filters by id wildcard and status, and tells what is still owed' {
        $done = New-AvaTrainInstance -Id exp-1 -Workspace $workspace
        Complete-AvaTrainInstance $done
        $running = New-AvaTrainInstance -Id exp-2 -Workspace $workspace
        # A metrics endpoint nobody listens on: the metrics stay owed.
        $env:AVA_METRICS_URL = 'http://127.0.0.1:9/write?db=ava'
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 0.5"; echo "Iteration 2, loss = 0.4"' -Framework Caffe -TrainInstance $running -WarningAction SilentlyContinue
        New-AvaTrainInstance -Id other -Workspace $workspace | Out-Null

        $all = @(Get-AvaTrainInstance -Workspace $workspace)
        $all.Id | Should -Be @('exp-1', 'exp-2', 'other')
        ($all | Where-Object Id -eq 'exp-1').Status | Should -Be 'Done'
        (Get-AvaTrainInstance 'exp-*' -Workspace $workspace).Id | Should -Be @('exp-1', 'exp-2')
        (Get-AvaTrainInstance -Workspace $workspace -Status Running).Id | Should -Be @('exp-2', 'other')
        (Get-AvaTrainInstance exp-2 -Workspace $workspace).UndeliveredMetrics | Should -Be 2
        (Get-AvaTrainInstance exp-1 -Workspace $workspace).UndeliveredMetrics | Should -Be 0
    }

    It 'shows the log format each instance''s run detected, and none for a run that detected none' {
        $caffe = New-AvaTrainInstance -Id caffe -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "I0101 00:00:00.000000 1 solver.cpp:218] Iteration 100 (2.5 iter/s, 40s/100 iters), loss = 2.1"' -TrainInstance $caffe
        Complete-AvaTrainInstance $caffe
        $json = New-AvaTrainInstance -Id json -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "{\"step\": 1, \"loss\": 0.5}"' -TrainInstance $json
        Complete-AvaTrainInstance $json

        $listed = Get-AvaTrainInstance -Workspace $workspace
        ($listed | Where-Object Id -eq caffe).Framework | Should -Be 'Caffe'
        ($listed | Where-Object Id -eq json).Framework | Should -BeNullOrEmpty
        ($listed | Where-Object Id -eq caffe | Format-List | Out-String) | Should -Match 'Framework\s+: Caffe'
    }

    It 'pipes into Complete-AvaTrainInstance, which completes what a lost job left running' {
        $lost = New-AvaTrainInstance -Id lost -Workspace $workspace
        Get-AvaTrainInstance -Workspace $workspace -Status Running | Complete-AvaTrainInstance -ErrorMessage 'the job was lost'
        $status = Get-Content (Join-Path $lost.RunPath 'status.json') -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -Be 'the job was lost'
        (Get-AvaTrainInstance -Workspace $workspace).Status | Should -Be 'Failed'
    }

    It 'tells whether a live process owns each instance, so that abandoned runs can be found; Status stays status.json''s' {
        $mine = New-AvaTrainInstance -Id mine -Workspace $workspace
        $abandoned = New-AvaTrainInstance -Id abandoned -Workspace $workspace
        # Its owner is a process that is gone: what a killed run leaves behind.
        Set-Content (Join-Path $abandoned.RunPath 'owner.json') (@{ host = [Environment]::MachineName; bootId = (Get-Content /proc/sys/kernel/random/boot_id); pid = 999999999; processStart = '1'; heartbeat = [DateTimeOffset]::UtcNow.ToString('o') } | ConvertTo-Json -Compress)
        (Get-AvaTrainInstance mine -Workspace $workspace).OwnerAlive | Should -BeTrue
        $found = @(Get-AvaTrainInstance -Workspace $workspace | Where-Object { $_.Status -eq 'Running' -and -not $_.OwnerAlive })
        $found.Id | Should -Be @('abandoned')
        Complete-AvaTrainInstance $mine
        (Get-AvaTrainInstance mine -Workspace $workspace).OwnerAlive | Should -BeFalse
    }

    It 'reports an id that is not there as AvaTrainInstanceNotFound, and still lists the others' {
        New-AvaTrainInstance -Id here -Workspace $workspace | Out-Null
        $found = Get-AvaTrainInstance here, gone -Workspace $workspace -ErrorVariable errors -ErrorAction SilentlyContinue
        $found.Id | Should -Be 'here'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'stops with AvaWorkspaceNotFound for a workspace that does not exist' {
        { Get-AvaTrainInstance -Workspace (Join-Path $TestDrive 'nowhere') } | Should -Throw -ErrorId 'AvaWorkspaceNotFound,*'
    }
}
