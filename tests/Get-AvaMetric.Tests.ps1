BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    $script:manifest = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    # A Caffe log of our own, shaped like the cifar10 quick run (snapshot at iteration 4000).
    $script:fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
    $script:savedUrl = $env:AVA_METRICS_URL
    $env:AVA_METRICS_URL = $null
    # The records as metrics.jsonl holds them, read with PowerShell's own JSON reader.
    function Get-Record([string] $Path) { Get-Content $Path | ConvertFrom-Json -DateKind String }
}
AfterAll { $env:AVA_METRICS_URL = $savedUrl }

Describe 'Get-AvaMetric' {
    BeforeAll {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive 'ws')).FullName
        $script:first = New-AvaTrainInstance -Workspace $workspace -Id 'run-1'
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'caffe', $fixture -Framework Caffe -BatchOfEpoch 100 -TrainInstance $first
        Complete-AvaTrainInstance $first
        $script:second = New-AvaTrainInstance -Workspace $workspace -Id 'run-2'
        Write-AvaMetric -Name loss -Value 0.5 -Iteration 1 -TrainInstance $second
        Write-AvaMetric -Name accuracy -Value 0.7 -Phase Test -TrainInstance $second
        Complete-AvaTrainInstance $second
        $script:records = @(Get-Record (Join-Path $first.RunPath 'metrics.jsonl'))
    }

    It 'reads every metric a real run recorded, as metrics.jsonl holds them' {
        $read = @(Get-AvaMetric $first)
        $read.Count | Should -Be $records.Count
        $read[0] | Should -BeOfType ([AvaSdk.Metric])
        for ($i = 0; $i -lt $records.Count; $i += 97) {
            $read[$i].Name | Should -Be $records[$i].name
            $read[$i].Iteration | Should -Be $records[$i].iteration
            $read[$i].Phase.ToString() | Should -Be $records[$i].phase -Because 'phases compare without case'
            if ($records[$i].value -is [string]) { "$($read[$i].Value)" | Should -Be $records[$i].value } else { $read[$i].Value | Should -Be $records[$i].value }
            $read[$i].Timestamp | Should -Be ([DateTimeOffset]::Parse($records[$i].timestamp, [Globalization.CultureInfo]::InvariantCulture))
        }
    }

    It 'filters by name (wildcards), phase and the last ones' {
        $losses = @($records | Where-Object { $_.name -like 'l*' -and $_.phase -eq 'train' })
        @(Get-AvaMetric $first -Name 'L*' -Phase Train).Count | Should -Be $losses.Count
        $lastThree = @(Get-AvaMetric $first -Last 3)
        ($lastThree | ForEach-Object { "$($_.Name)@$($_.Line)" }) | Should -Be ($records | Select-Object -Last 3 | ForEach-Object { "$($_.name)@$($_.line)" })
        Get-AvaMetric $first -Last 0 | Should -BeNullOrEmpty
    }

    It 'reads several instances by id with wildcards, and from Get-AvaTrainInstance' {
        @(Get-AvaMetric -Id 'run-*' -Workspace $workspace).Count | Should -Be ($records.Count + 2)
        (Get-AvaMetric -Id 'run-2' -Workspace $workspace -Name accuracy).Value | Should -Be 0.7
        @(Get-AvaTrainInstance -Workspace $workspace | Get-AvaMetric -Name accuracy -Phase Test).TrainInstanceId | Select-Object -Last 1 | Should -Be 'run-2'
        Get-AvaMetric -Id 'nope' -Workspace $workspace -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceNotFound,*'
    }

    It 'reads every node''s file of a multi-node instance, and one node with -Node' {
        $env:AVA_NUM_NODES = '2'; $env:JOB_NAME = 'metrics-of-nodes'
        try {
            $leader = New-AvaTrainInstance -Workspace $workspace -Node 0
            $other = New-AvaTrainInstance -Workspace $workspace -Node 1
            Write-AvaMetric -Name loss -Value 2.5 -TrainInstance $other
            Write-AvaMetric -Name loss -Value 1.5 -TrainInstance $leader
            Write-AvaMetric -Name loss -Value 3.5 -TrainInstance $other
            (Get-AvaMetric $leader).Value | Should -Be 1.5, 2.5, 3.5 -Because 'node by node, in each file''s order'
            (Get-AvaMetric $leader -Node 1).Value | Should -Be 2.5, 3.5
            (Get-AvaMetric $leader -Node 1).Node | Should -Be 1, 1
            (Get-AvaMetric $leader -Last 2).Value | Should -Be 1.5, 3.5 -Because 'the last ones by time, across the nodes'
            Complete-AvaTrainInstance $other
            Complete-AvaTrainInstance $leader
        }
        finally { $env:AVA_NUM_NODES = $null; $env:JOB_NAME = $null }
    }

    It 'skips a torn last record, and reads it once it is whole' {
        $path = Join-Path $second.RunPath 'metrics.jsonl'
        $whole = (Get-Content $path)[0] -replace '"value":0.5', '"value":0.25'
        [IO.File]::AppendAllText($path, $whole.Substring(0, 40))
        @(Get-AvaMetric $second).Count | Should -Be 2
        [IO.File]::AppendAllText($path, $whole.Substring(40) + "`n")
        (Get-AvaMetric $second -Last 1).Value | Should -Be 0.25
    }
}

Describe 'Get-AvaMetric with a workspace and tab completion' {
    BeforeAll {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive 'completion')).FullName
        foreach ($id in 'run-1', 'run-2') {
            $train = New-AvaTrainInstance -Workspace $workspace -Id $id
            Write-AvaMetric -Name loss -Value 0.5 -Iteration 1 -TrainInstance $train
            Write-AvaMetric -Name "accuracy $id" -Value 0.7 -Phase Test -TrainInstance $train
            Complete-AvaTrainInstance $train
        }
        $script:savedWorkspace = $env:AVA_WORKSPACE
        $env:AVA_WORKSPACE = Join-Path $TestDrive 'not-this-one'
        function Get-Completion([string] $Line) { (TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText }
    }
    AfterAll { $env:AVA_WORKSPACE = $savedWorkspace }

    It 'reads every instance of -Workspace when no -Id is given, instead of asking for one' {
        $read = @(Get-AvaMetric -Workspace $workspace -Name loss)
        $read.Count | Should -Be 2
    }

    It 'completes -Id of <_> from the -Workspace already typed' -ForEach 'Get-AvaMetric', 'Get-AvaTrainInstance', 'New-AvaTrainInstance' {
        Get-Completion "$_ -Workspace '$workspace' -Id run-" | Should -Be @('run-1', 'run-2')
        Get-Completion "$_ -Workspace '$workspace' -Id run-2" | Should -Be @('run-2')
    }

    It 'completes -Id from $env:AVA_WORKSPACE when no -Workspace is typed' {
        $env:AVA_WORKSPACE = $workspace
        try { Get-Completion 'Get-AvaTrainInstance r' | Should -Be @('run-1', 'run-2') }
        finally { $env:AVA_WORKSPACE = Join-Path $TestDrive 'not-this-one' }
    }

    It 'completes -Name from the names recorded, in the instances of the -Id typed, quoted when they have spaces' {
        Get-Completion "Get-AvaMetric -Workspace '$workspace' -Name " | Should -Be @("'accuracy run-1'", "'accuracy run-2'", 'loss')
        Get-Completion "Get-AvaMetric -Workspace '$workspace' -Id run-2 -Name acc" | Should -Be @("'accuracy run-2'")
    }

    It 'reads only the start and the end of a huge metrics file to complete -Name' {
        $big = (New-Item -ItemType Directory (Join-Path $TestDrive 'big')).FullName
        $train = New-AvaTrainInstance -Workspace $big -Id huge
        Write-AvaMetric -Name template -Value 1 -TrainInstance $train
        Complete-AvaTrainInstance $train
        $file = Join-Path $train.RunPath 'metrics.jsonl'
        $template = Get-Content $file -First 1
        # 200 000 records: the first 1000 and the last 64 KiB are read, a name seen only in the middle is not.
        $records = [Collections.Generic.List[string]]::new()
        foreach ($i in 1..200000) { $records.Add($template.Replace('"template"', '"early"')) }
        $records[100000] = $template.Replace('"template"', '"middle"')
        $records[199999] = $template.Replace('"template"', '"late"')
        [IO.File]::WriteAllLines($file, $records)
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Get-Completion "Get-AvaMetric -Workspace '$big' -Name " | Should -Be @('early', 'late')
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'completion reads a bounded part of the file'
    }
}

Describe 'Get-AvaMetric -Wait' {
    BeforeEach {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
    }

    It 'follows a training in another process as it records, and returns when it completes' {
        $script = Join-Path $TestDrive 'train.ps1'
        @"
Import-Module '$manifest'
`$train = New-AvaTrainInstance -Workspace '$workspace' -Id followed
`$trainer = 'for i in 1 2 3 4 5 6 7 8; do echo "{\"loss\": 0.`$i, \"iteration\": `$i}"; sleep 0.4; done'
`$null = Invoke-AvaTraining sh -ArgumentList '-c', `$trainer -TrainInstance `$train
Complete-AvaTrainInstance `$train
"@ | Set-Content $script
        $child = Start-ChildPwsh -Script $script
        try {
            Wait-Until { Test-Path (Join-Path $workspace 'run/followed/status.json') } -Seconds 60 | Should -BeTrue
            $seen = Get-AvaMetric -Id followed -Workspace $workspace -Wait | ForEach-Object {
                # What the status file said when each metric arrived here.
                [pscustomobject]@{ Value = $_.Value; Status = (Get-Content (Join-Path $workspace 'run/followed/status.json') -Raw | ConvertFrom-Json).status }
            }
            $child.WaitForExit(60000) | Should -BeTrue
            $child.ExitCode | Should -Be 0 -Because $child.Errors.Result
            ($seen.Value) | Should -Be 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8
            $seen[0].Status | Should -Be 'running' -Because 'the first metrics came while the training ran'
            (Get-Content (Join-Path $workspace 'run/followed/status.json') -Raw | ConvertFrom-Json).status | Should -Be 'done'
        }
        finally { if (-not $child.HasExited) { $child.Kill($true) } }
    }

    It 'ends with a warning when the run''s owner is gone without completing it' {
        $script = Join-Path $TestDrive 'abandon.ps1'
        # Killed, so the end of its session does not complete the instance either.
        "Import-Module '$manifest'; `$t = New-AvaTrainInstance -Workspace '$workspace' -Id left; Write-AvaMetric -Name loss -Value 0.9 -TrainInstance `$t; Stop-Process -Id `$PID -Force" | Set-Content $script
        $child = Start-ChildPwsh -Script $script
        $child.WaitForExit(60000) | Should -BeTrue
        $read = Get-AvaMetric -Id left -Workspace $workspace -Wait -WarningVariable warned -WarningAction SilentlyContinue
        $read.Value | Should -Be 0.9
        "$warned" | Should -Match "'left' is still running, but the process that owned it is gone"
    }
}
