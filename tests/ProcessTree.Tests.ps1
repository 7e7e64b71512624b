BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
}

Describe 'The training process tree' -Skip:(-not $IsLinux) {
    BeforeEach {
        $script:folder = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $env:AVA_WORKSPACE = $folder
    }

    It 'ends within 5 s, grandchildren included, when pwsh is killed with -9' {
        # The trainer starts a grandchild that ignores SIGTERM and the trainer waits on it: only a group kill ends both.
        $trainer = 'sh -c "trap \"\" TERM; echo \$\$ > grandchild.pid; exec sleep 600" & echo $$ > child.pid; wait'
        $script = Join-Path $folder 'job.ps1'
        Set-Content $script "Import-Module '$manifestPath'; New-AvaTrainInstance | Out-Null; Invoke-AvaTraining sh -ArgumentList '-c', '$($trainer -replace "'", "''")' -WorkingDirectory '$folder'"
        $pwsh = Start-ChildPwsh $script
        try {
            Wait-Until { (Test-Path "$folder/child.pid") -and (Test-Path "$folder/grandchild.pid") } 60 | Should -BeTrue
            $child = [int](Get-Content "$folder/child.pid"); $grandchild = [int](Get-Content "$folder/grandchild.pid")
            Test-Running $child | Should -BeTrue
            Test-Running $grandchild | Should -BeTrue

            Stop-Process -Id $pwsh.Id -Force
            $pwsh.WaitForExit()
            Wait-Until { -not (Test-Running $child) -and -not (Test-Running $grandchild) } 5 | Should -BeTrue -Because 'no process of the run may outlive pwsh'
        } finally {
            foreach ($id in $child, $grandchild) { if ($id -and (Test-Running $id)) { Stop-Process -Id $id -Force } }
            if (-not $pwsh.HasExited) { $pwsh.Kill() }
        }
    }

    It 'ends what the trainer left running when it exits, instead of waiting on it' {
        # The grandchild holds the trainer's output pipes; waited on, it would write 'late' into the log after 30 s.
        $trainer = 'sh -c "echo \$\$ > grandchild.pid; sleep 30; echo late >&2" & sleep 0.2; echo "Iteration 1, loss = 1" >&2'
        $train = New-AvaTrainInstance
        Invoke-AvaTraining sh -ArgumentList '-c', $trainer -WorkingDirectory $folder -Framework Caffe | Out-Null
        $grandchild = [int](Get-Content "$folder/grandchild.pid")
        Wait-Until { -not (Test-Running $grandchild) } 5 | Should -BeTrue
        Get-Content (Join-Path $train.LogPath 'training.log') | Should -Not -Contain 'late'
        Complete-AvaTrainInstance $train
    }

    It 'passes SIGTERM on to the trainer, then marks the instance failed and stops the script' {
        # The trainer checkpoints on SIGTERM and logs one more line before it exits.
        $trainer = 'trap "echo checkpoint > checkpointed.txt; echo ''Iteration 2, loss = 2'' >&2; exit 3" TERM; echo "Iteration 1, loss = 1" >&2; touch started; while true; do sleep 0.1; done'
        $script = Join-Path $folder 'job.ps1'
        Set-Content $script ("Import-Module '$manifestPath'; `$train = New-AvaTrainInstance -Id term; " +
            "Invoke-AvaTraining sh -ArgumentList '-c', '$($trainer -replace "'", "''")' -WorkingDirectory '$folder' -Framework Caffe | Out-Null; " +
            "'went on' | Set-Content '$folder/went-on.txt'")
        $pwsh = Start-ChildPwsh $script
        try {
            Wait-Until { Test-Path "$folder/started" } 60 | Should -BeTrue
            /usr/bin/kill -TERM $pwsh.Id
            $pwsh.WaitForExit(60000) | Should -BeTrue -Because 'pwsh ends once the trainer has and the instance is completed'
        } finally {
            if (-not $pwsh.HasExited) { $pwsh.Kill($true) }
        }
        $pwsh.ExitCode | Should -Not -Be 0
        $pwsh.ExitCode | Should -Not -Be 143 -Because 'pwsh handled the SIGTERM instead of dying of it'
        "$($pwsh.Output.Result)$($pwsh.Errors.Result)" | Should -Match 'AvaTrainingTerminated|was terminated'
        "$folder/checkpointed.txt" | Should -Exist
        "$folder/went-on.txt" | Should -Not -Exist
        $status = Get-Content "$folder/run/term/status.json" -Raw | ConvertFrom-Json
        $status.status | Should -Be 'failed'
        $status.errorMessage | Should -BeLike '*terminated*SIGTERM*code 3*'
        @(Get-Content "$folder/run/term/metrics.jsonl" | ConvertFrom-Json | Where-Object name -eq 'loss').value | Should -Be @(1, 2)
        "$folder/run/term/owner.json" | Should -Not -Exist
    }

    It 'starts the trainer with SIGPIPE at its default, so a closed pipe ends it' {
        # With an instance, so the run's files go to the test's workspace and not to ./ava-run wherever Pester runs.
        $train = New-AvaTrainInstance -Id sigpipe
        Invoke-AvaTraining sh -ArgumentList '-c', 'grep SigIgn /proc/self/status > sigign.txt' -WorkingDirectory $folder -TrainInstance $train | Out-Null
        Complete-AvaTrainInstance $train
        $ignored = [Convert]::ToUInt64(((Get-Content "$folder/sigign.txt") -split '\s+')[1], 16)
        $ignored -band (1 -shl 12) | Should -Be 0 -Because 'SIGPIPE (13) must not be ignored'
    }
}
