BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    function Read-Status($instance) { Get-Content $instance.StatusPath -Raw | ConvertFrom-Json -DateKind String }
}

Describe 'Complete-AvaTrainInstance' {
    BeforeEach {
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $workspace | Out-Null
    }

    It 'marks an instance done, sets EndTime and rewrites status.json' {
        $train = New-AvaTrainInstance -Id ok -Workspace $workspace
        Complete-AvaTrainInstance $train | Should -BeNullOrEmpty
        $train.Status | Should -Be 'Done'
        $train.EndTime | Should -BeGreaterOrEqual $train.StartTime
        $status = Read-Status $train
        $status.status | Should -Be 'done'
        $status.endTime | Should -Not -BeNullOrEmpty
        $status.errorMessage | Should -BeNullOrEmpty
    }

    It 'draws the run''s curves into curves.png, a panel per metric name, unless -NoChart' {
        $fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
        $train = New-AvaTrainInstance -Id drawn -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'caffe', $fixture -Framework Caffe -BatchOfEpoch 100 -TrainInstance $train
        Complete-AvaTrainInstance $train
        $names = @(Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | ConvertFrom-Json | ForEach-Object name | Select-Object -Unique)
        # output:loss is drawn in the panel of loss.
        $panels = @($names | Where-Object { -not ($_ -like 'output:*' -and $_.Substring(7) -in $names) })
        $panels.Count | Should -Be 3
        # Read by an independent PNG decoder: its size, and coloured (curve) pixels in every panel below the title band.
        $png = & python3 "$PSScriptRoot/oracles/png_columns.py" (Join-Path $train.RunPath 'curves.png') $panels.Count 40 | ConvertFrom-Json
        $png.width | Should -Be 1000
        $png.height | Should -Be (40 + 300 * $panels.Count)
        foreach ($count in $png.columns) { $count | Should -BeGreaterThan 100 }

        $plain = New-AvaTrainInstance -Id undrawn -Workspace $workspace
        $null = Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'caffe', $fixture -Framework Caffe -BatchOfEpoch 100 -TrainInstance $plain
        Complete-AvaTrainInstance $plain -NoChart
        Join-Path $plain.RunPath 'curves.png' | Should -Not -Exist
    }

    It 'completes a run of extreme metrics (±1.7976931348623157e308, 1e308 beside -1e308) done, its curves drawn on clamped axes' {
        $train = New-AvaTrainInstance -Id extreme -Workspace $workspace
        foreach ($i in 1..50) {
            Write-AvaMetric loss ([double]::MaxValue * (-1) * [math]::Cos($i / 5)) -Iteration $i -TrainInstance $train
            Write-AvaMetric accuracy 1e308 -Iteration $i -TrainInstance $train
            Write-AvaMetric accuracy -1e308 -Iteration $i -Phase Test -TrainInstance $train
        }
        Complete-AvaTrainInstance $train -ErrorVariable errors -WarningVariable warnings
        $errors | Should -BeNullOrEmpty
        $warnings | Should -BeNullOrEmpty
        (Read-Status $train).status | Should -Be 'done'
        $png = & python3 "$PSScriptRoot/oracles/png_columns.py" (Join-Path $train.RunPath 'curves.png') 2 40 | ConvertFrom-Json
        foreach ($count in $png.columns) { $count | Should -BeGreaterThan 100 }
    }

    It 'completes done with a warning that carries the ErrorId when the curves cannot be drawn' {
        $train = New-AvaTrainInstance -Id undrawable -Workspace $workspace
        1..5 | ForEach-Object { Write-AvaMetric loss (1 / $_) -Iteration $_ -TrainInstance $train }
        # A folder where curves.png goes: the chart cannot be written.
        $null = New-Item -ItemType Directory (Join-Path $train.RunPath 'curves.png')
        Complete-AvaTrainInstance $train -ErrorVariable errors -WarningVariable warnings -WarningAction SilentlyContinue
        $errors | Should -BeNullOrEmpty
        $warnings.Count | Should -Be 1
        $warnings[0].Message | Should -Match "curves of instance 'undrawable' were not drawn.*-NoChart.* \[AvaChartWriteFailed\]$"
        (Read-Status $train).status | Should -Be 'done'
    }

    It 'marks an instance failed with the message' {
        $train = New-AvaTrainInstance -Id bad -Workspace $workspace
        Complete-AvaTrainInstance $train -ErrorMessage 'loss is NaN'
        $train.Status | Should -Be 'Failed'
        $train.ErrorMessage | Should -Be 'loss is NaN'
        (Read-Status $train).status | Should -Be 'failed'
        (Read-Status $train).errorMessage | Should -Be 'loss is NaN'
    }

    It 'treats an empty message as done' {
        $train = New-AvaTrainInstance -Id empty -Workspace $workspace
        Complete-AvaTrainInstance $train -ErrorMessage ''
        $train.Status | Should -Be 'Done'
    }

    It 'uses the instance this session created last when none is given' {
        $older = New-AvaTrainInstance -Id older -Workspace $workspace
        $latest = New-AvaTrainInstance -Id latest -Workspace $workspace
        Complete-AvaTrainInstance -PassThru | Should -Be $latest
        $latest.Status | Should -Be 'Done'
        $older.Status | Should -Be 'Running'
    }

    It 'takes instances from the pipeline and returns them with -PassThru' {
        $a = New-AvaTrainInstance -Id a -Workspace $workspace
        $b = New-AvaTrainInstance -Id b -Workspace $workspace
        $done = $a, $b | Complete-AvaTrainInstance -PassThru
        $done.Id | Should -Be @('a', 'b')
        $done.Status | Should -Be @('Done', 'Done')
    }

    It 'reports AvaTrainInstanceCompleted for an instance already completed, and completes the others' {
        $a = New-AvaTrainInstance -Id first -Workspace $workspace
        $b = New-AvaTrainInstance -Id second -Workspace $workspace
        Complete-AvaTrainInstance $a -ErrorMessage 'crashed'

        $a, $b | Complete-AvaTrainInstance -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceCompleted,*'
        $errors[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $errors[0].TargetObject | Should -Be 'first'
        $a.Status | Should -Be 'Failed'
        (Read-Status $a).errorMessage | Should -Be 'crashed'
        $b.Status | Should -Be 'Done'
    }

    It 'stops with AvaTrainInstanceNotFound in a session that created none' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$manifestPath'; try { Complete-AvaTrainInstance -ErrorAction Stop } catch { `$_ }")
            $record = $ps.Invoke() | Select-Object -First 1
            $record.FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceNotFound,*'
            $record.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        } finally { $ps.Dispose() }
    }

    It 'flushes the log with the completion, and shows it with -Verbose' {
        $train = New-AvaTrainInstance -Id logged -Workspace $workspace
        $verbose = Complete-AvaTrainInstance $train -ErrorMessage 'out of memory' -Verbose 4>&1
        ($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" |
            Should -Match 'Training instance logged failed after \d\d:\d\d:\d\d: out of memory'
        Join-Path $train.LogPath 'ava.log' | Should -FileContentMatch 'Training instance logged failed after .*: out of memory'
    }
}

Describe 'Instances a session leaves running' {
    BeforeAll { Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force }
    BeforeEach {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $script:job = Join-Path $workspace 'job.ps1'
    }

    It 'fails the instance with the trainer''s error when the plain script New; Invoke; Complete stops at a failed training (pwsh -File)' {
        Set-Content $job @"
Import-Module '$manifestPath'
New-AvaTrainInstance -Id plain -Workspace '$workspace' | Out-Null
Invoke-AvaTraining sh -ArgumentList '-c', 'echo "CUDA out of memory" >&2; exit 1'
Complete-AvaTrainInstance
"@
        $output = Invoke-ChildScript $job
        $status = Get-Content "$workspace/run/plain/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -BeLike "The training process 'sh' exited with code 1.*CUDA out of memory"
        $output -join "`n" | Should -Match "WARNING: Training instance 'plain' was still running when its PowerShell session ended, so AvaSdk marked it failed \(The training process 'sh' exited with code 1"
        "$workspace/run/plain/owner.json" | Should -Not -Exist
    }

    It 'leaves alone, at the session''s end, an instance the script completed through another object of it' {
        Set-Content $job "Import-Module '$manifestPath'; New-AvaTrainInstance -Id listed -Workspace '$workspace' | Out-Null; Get-AvaTrainInstance listed -Workspace '$workspace' | Complete-AvaTrainInstance -ErrorMessage 'boom'"
        $output = Invoke-ChildScript $job
        $output -join "`n" | Should -Not -Match 'was still running when its PowerShell session ended'
        $status = Get-Content "$workspace/run/listed/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -Be 'boom'
    }

    It 'marks the instance done, with a warning, when the script ends normally without completing it' {
        Set-Content $job "Import-Module '$manifestPath'; New-AvaTrainInstance -Id forgotten -Workspace '$workspace' | Out-Null; try { throw 'handled' } catch { 'caught' }; 'end'"
        $output = Invoke-ChildScript $job
        $output | Should -Contain 'end'
        $status = Get-Content "$workspace/run/forgotten/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'done'
        $status.errorMessage | Should -BeNullOrEmpty
        $output -join "`n" | Should -Match "WARNING: Training instance 'forgotten' was still running when its PowerShell session ended, so AvaSdk marked it done for you"
        "$workspace/run/forgotten/logs/ava.log" | Should -FileContentMatch 'marked it done for you'
    }

    It 'fails the instance with the message of a script''s own terminating error' {
        Set-Content $job "Import-Module '$manifestPath'; New-AvaTrainInstance -Id thrown -Workspace '$workspace' | Out-Null; throw 'the dataset is gone'"
        $null = Invoke-ChildScript $job
        $status = Get-Content "$workspace/run/thrown/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -Be 'the dataset is gone'
    }

    It 'completes the session''s instances when the module is removed' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$manifestPath'; `$t = New-AvaTrainInstance -Id removed -Workspace '$workspace'; Remove-Module AvaSdk; (Get-Content `$t.StatusPath -Raw | ConvertFrom-Json).status")
            $ps.Invoke() | Should -Be 'done'
        } finally { $ps.Dispose() }
    }

    It 'makes Complete-AvaTrainInstance -ErrorMessage a no-op, with a verbose line, on an instance the session''s end already failed' {
        Set-Content $job "Import-Module '$manifestPath'; New-AvaTrainInstance -Id ended -Workspace '$workspace' | Out-Null; throw 'first failure'"
        $null = Invoke-ChildScript $job
        $verbose = Get-AvaTrainInstance ended -Workspace $workspace | Complete-AvaTrainInstance -ErrorMessage 'the wrapper saw it fail' -Verbose -ErrorVariable errors 4>&1
        $errors | Should -BeNullOrEmpty
        "$verbose" | Should -BeLike "*'ended' already failed when the session that ran it ended*"
        $status = Get-Content "$workspace/run/ended/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -Be 'first failure'
    }
}

# -Debug turns warnings (and verbose messages) into prompts, as -WarningAction Inquire does; a prompt may throw (a host
# that cannot prompt, a user choosing Halt). The completion's background work (the outbox drain) must never be cut in
# half by one: the child pwsh is a real console host whose prompts read the answers piped to it, or throw with -NonInteractive.
Describe 'Complete-AvaTrainInstance prompting about its background work''s warnings' {
    BeforeAll {
        Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
        $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
        # A snapshot no upload can send (a wrong secret), so the outbox drain of the completion warns.
        $script:trainer = 'mkdir -p snap; echo model > snap/net_iter_500.caffemodel; echo "Snapshotting to binary proto file snap/net_iter_500.caffemodel" >&2; echo "Iteration 500, loss = 1" >&2'
        function Invoke-Completion([string] $Switches, [string[]] $Answers = @(), [switch] $NonInteractive) {
            $ws = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
            $script = Join-Path $ws 'complete.ps1'
            @"
Import-Module '$manifestPath'
Set-Location '$ws'
`$env:AVA_ACCESS_KEY = '$($kodo.AccessKey)'; `$env:AVA_SECRET_KEY = 'not-the-secret'; `$env:AVA_BUCKET = 'jobs'; `$env:AVA_UP_HOST = '$($kodo.Url)'
`$train = New-AvaTrainInstance -Id prompted -Workspace '$ws'
`$null = Invoke-AvaTraining sh -ArgumentList '-c', '$trainer' -Framework Caffe -BatchOfEpoch 100 -WarningAction SilentlyContinue
Complete-AvaTrainInstance `$train $Switches
"@ | Set-Content $script
            $info = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
            foreach ($argument in @('-NoProfile') + @(if ($NonInteractive) { '-NonInteractive' }) + @('-File', $script)) { $info.ArgumentList.Add($argument) }
            $info.RedirectStandardInput = $info.RedirectStandardOutput = $info.RedirectStandardError = $true
            $child = [Diagnostics.Process]::Start($info)
            $output = $child.StandardOutput.ReadToEndAsync()
            $errors = $child.StandardError.ReadToEndAsync()
            foreach ($answer in $Answers) { $child.StandardInput.WriteLine($answer) }
            $child.StandardInput.Close()
            $child.WaitForExit(180000) | Should -BeTrue
            $run = Join-Path $ws 'run/prompted'
            [pscustomobject]@{
                Status = (Get-Content "$run/status.json" -Raw | ConvertFrom-Json).status
                Output = $output.Result + $errors.Result
                Owed   = @(Get-ChildItem "$run/outbox" -Filter '*.json').Count
            }
        }
    }
    AfterAll { Stop-TestKodo $kodo }

    It 'completes the instance with <Switches> in a host that cannot prompt, keeping the model it could not send' -ForEach @(
        @{ Switches = '-Debug' }, @{ Switches = '-WarningAction Inquire' }
    ) {
        $completion = Invoke-Completion $Switches -NonInteractive
        $completion.Status | Should -Be 'done' -Because $completion.Output
        $completion.Owed | Should -Be 1
        $completion.Output | Should -Match 'NonInteractive' -Because 'the host''s refusal to prompt is still told'
    }

    It 'completes the instance before a -Confirm''ed completion prompts about the warning, and halts when told to' {
        $completion = Invoke-Completion '-Confirm -WarningAction Inquire' -Answers 'Y', 'H'
        $completion.Status | Should -Be 'done' -Because $completion.Output
        $completion.Owed | Should -Be 1
        $completion.Output | Should -Match 'was not uploaded'
        $completion.Output | Should -Match 'user selected the Stop option'
    }
}
