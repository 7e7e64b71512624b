BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
}

Describe 'One owner per instance' {
    BeforeEach {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $env:AVA_WORKSPACE = $workspace
    }

    It 'refuses another process while the owner trains, and takes over once it was killed' {
        $started = Join-Path $workspace 'started'
        $script = Join-Path $workspace 'owner.ps1'
        Set-Content $script "Import-Module '$manifestPath'; `$env:AVA_WORKSPACE = '$workspace'; New-AvaTrainInstance -Id shared | Out-Null; Invoke-AvaTraining sh -ArgumentList '-c', 'touch ''$started''; sleep 60'"
        $owner = Start-ChildPwsh $script
        try {
            Wait-Until { Test-Path $started } | Should -BeTrue
            $err = { New-AvaTrainInstance -Id shared } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceBusy,*'
            $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
            $err.Exception.Message | Should -BeLike "*process $($owner.Id) on host*"
            (Get-Content "$workspace/run/shared/status.json" -Raw | ConvertFrom-Json).status | Should -Be 'running'
        } finally {
            Stop-Process -Id $owner.Id -Force
            $owner.WaitForExit()
        }

        $train = New-AvaTrainInstance -Id shared -WarningVariable warnings -WarningAction SilentlyContinue
        $warnings | Should -HaveCount 1
        "$warnings" | Should -BeLike "*process $($owner.Id)*ended without completing it*"
        Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 1" >&2' -Framework Caffe | Should -HaveCount 1
        Complete-AvaTrainInstance $train
        "$workspace/run/shared/owner.json" | Should -Not -Exist
    }

    It 'refuses a second run of the same instance in this process while the first runs' {
        $train = New-AvaTrainInstance -Id twice
        $started = Join-Path $workspace 'started'
        $state = [initialsessionstate]::CreateDefault()
        $state.ImportPSModule($manifestPath)
        $shell = [powershell]::Create($state)
        try {
            $null = $shell.AddCommand('Invoke-AvaTraining').AddArgument('sh').AddParameter('ArgumentList', @('-c', "touch '$started'; sleep 60")).AddParameter('TrainInstance', $train)
            $handle = $shell.BeginInvoke()
            Wait-Until { Test-Path $started } | Should -BeTrue
            $err = { Invoke-AvaTraining sh -ArgumentList '-c', 'echo second >> training-second.txt' -TrainInstance $train } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceBusy,*'
            $err.Exception.Message | Should -BeLike '*already training in this process*'
            Join-Path $workspace 'training-second.txt' | Should -Not -Exist
        } finally {
            $shell.Stop()
            $shell.Dispose()
        }
        # The first run is over: the instance trains again.
        Invoke-AvaTraining sh -ArgumentList '-c', 'true' -TrainInstance $train | Should -BeNullOrEmpty
        Complete-AvaTrainInstance $train
    }

    It 'waits for an owner on another host until its heartbeat expires' {
        New-Item -ItemType Directory "$workspace/run/remote" | Out-Null
        $owner = @{ host = 'other-node'; bootId = 'x'; pid = 1; processStart = '1'; heartbeat = [DateTimeOffset]::UtcNow.ToString('o') }
        $owner | ConvertTo-Json | Set-Content "$workspace/run/remote/owner.json"
        { New-AvaTrainInstance -Id remote } | Should -Throw -ErrorId 'AvaTrainInstanceBusy,*'

        $owner.heartbeat = [DateTimeOffset]::UtcNow.AddMinutes(-10).ToString('o')
        $owner | ConvertTo-Json | Set-Content "$workspace/run/remote/owner.json"
        $train = New-AvaTrainInstance -Id remote -WarningVariable warnings -WarningAction SilentlyContinue
        "$warnings" | Should -BeLike "*host 'other-node'*ended without completing it*"
        Complete-AvaTrainInstance $train
    }
}
