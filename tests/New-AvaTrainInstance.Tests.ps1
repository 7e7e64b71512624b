BeforeAll {
    Import-Module "$PSScriptRoot/../AvaSdk.psd1" -Force
    function Read-Status($instance) { Get-Content $instance.StatusPath -Raw | ConvertFrom-Json -DateKind String }
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
}

Describe 'New-AvaTrainInstance' {
    BeforeEach {
        $script:saved = @{ Workspace = $env:AVA_WORKSPACE; Id = $env:AVA_TRAINING_INSTANCE_ID }
        $env:AVA_TRAINING_INSTANCE_ID = $null
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $workspace | Out-Null
        $env:AVA_WORKSPACE = $workspace
    }
    AfterEach {
        $env:AVA_WORKSPACE = $saved.Workspace
        $env:AVA_TRAINING_INSTANCE_ID = $saved.Id
    }

    It 'returns an AvaSdk.TrainInstance with the workspace layout' {
        $train = New-AvaTrainInstance -Id exp-1
        $train | Should -BeOfType ([AvaSdk.TrainInstance])
        $train.Id | Should -Be 'exp-1'
        $train.Workspace | Should -Be $workspace
        $train.ParamsPath | Should -Be ([IO.Path]::Combine($workspace, 'params', 'default.json'))
        $train.TrainSetPath | Should -Be ([IO.Path]::Combine($workspace, 'data', 'train'))
        $train.ValSetPath | Should -Be ([IO.Path]::Combine($workspace, 'data', 'val'))
        $train.TestSetPath | Should -Be ([IO.Path]::Combine($workspace, 'data', 'test'))
        $train.ModelPath | Should -Be ([IO.Path]::Combine($workspace, 'model'))
        $train.RunPath | Should -Be ([IO.Path]::Combine($workspace, 'run', 'exp-1'))
        $train.SnapshotPath | Should -Be ([IO.Path]::Combine($workspace, 'run', 'exp-1', 'output'))
        $train.LogPath | Should -Be ([IO.Path]::Combine($workspace, 'run', 'exp-1', 'logs'))
        $train.Status | Should -Be 'Running'
        $train.StartTime | Should -BeOfType ([DateTimeOffset])
        $train.EndTime | Should -BeNullOrEmpty
        $train.ErrorMessage | Should -BeNullOrEmpty
    }

    It 'creates the snapshot and log folders and a running status.json' {
        $train = New-AvaTrainInstance -Id exp-2
        $train.SnapshotPath | Should -Exist
        $train.LogPath | Should -Exist
        $status = Read-Status $train
        $status.id | Should -Be 'exp-2'
        $status.status | Should -Be 'running'
        [DateTimeOffset]::Parse($status.startTime) | Should -Be $train.StartTime.AddTicks(-($train.StartTime.Ticks % 10000))
        $status.endTime | Should -BeNullOrEmpty
        $status.PSObject.Properties.Name | Should -Be @('layout', 'id', 'status', 'startTime', 'endTime', 'errorMessage')
        Get-ChildItem $train.RunPath -Filter '*.tmp' -Force | Should -BeNullOrEmpty
    }

    It 'takes the id from AVA_TRAINING_INSTANCE_ID when -Id is not given' {
        $env:AVA_TRAINING_INSTANCE_ID = 'from-env'
        (New-AvaTrainInstance).Id | Should -Be 'from-env'
        (New-AvaTrainInstance -Id explicit).Id | Should -Be 'explicit'
    }

    It 'makes a new sortable id when none is given' {
        $first = New-AvaTrainInstance
        Start-Sleep -Milliseconds 5
        $second = New-AvaTrainInstance
        $first.Id | Should -Match '^\d{8}-\d{6}-\d{3}-[0-9a-f]{8}$'
        $first.Id | Should -Not -Be $second.Id
        [string]::CompareOrdinal($first.Id, $second.Id) | Should -BeLessThan 0
    }

    It 'resolves a relative -Workspace against the current location' {
        New-Item -ItemType Directory -Path (Join-Path $workspace 'inner') | Out-Null
        Push-Location $workspace
        try { (New-AvaTrainInstance -Id rel -Workspace inner).RunPath | Should -Be ([IO.Path]::Combine($workspace, 'inner', 'run', 'rel')) }
        finally { Pop-Location }
    }

    It 'rejects <Id> with AvaTrainInstanceIdInvalid and writes nothing' -ForEach @(
        @{ Id = '../escape' }, @{ Id = '..' }, @{ Id = '.' }, @{ Id = 'has space' }, @{ Id = 'a/b' }, @{ Id = ('x' * 129) }
    ) {
        $err = { New-AvaTrainInstance -Id $Id } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceIdInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        Get-ChildItem $workspace | Should -BeNullOrEmpty
    }

    It 'stops with AvaWorkspaceNotFound when the workspace does not exist' {
        $missing = Join-Path $workspace 'missing'
        $err = { New-AvaTrainInstance -Workspace $missing } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaWorkspaceNotFound,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike "*$missing*"
    }

    It 'stops the calling script, not only the statement, when it fails' {
        $manifest = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
        $script = Join-Path $workspace 'job.ps1'
        Set-Content $script "Import-Module '$manifest'; `$t = New-AvaTrainInstance -Workspace '$workspace/missing'; 'went on with [' + `$t + ']'"
        $output = Invoke-ChildScript $script
        $output | Out-String | Should -Match 'ObjectNotFound'
        $output | Where-Object { $_ -like 'went on*' } | Should -BeNullOrEmpty
    }

    It 'resumes an existing id and keeps its files and start time' {
        $first = New-AvaTrainInstance -Id again
        Set-Content (Join-Path $first.SnapshotPath 'epoch-1.params') 'weights'
        Complete-AvaTrainInstance $first -ErrorMessage 'preempted'

        $resumed = New-AvaTrainInstance -Id again
        $resumed.Status | Should -Be 'Running'
        $resumed.StartTime.ToUnixTimeMilliseconds() | Should -Be $first.StartTime.ToUnixTimeMilliseconds()
        Join-Path $resumed.SnapshotPath 'epoch-1.params' | Should -FileContentMatchExactly 'weights'
        (Read-Status $resumed).status | Should -Be 'running'
    }

    It 'stops with AvaTrainInstanceStatusInvalid when the existing status.json is damaged' {
        $runPath = Join-Path $workspace 'run/broken'
        New-Item -ItemType Directory -Force -Path $runPath | Out-Null
        Set-Content (Join-Path $runPath 'status.json') '{"status": '
        $err = { New-AvaTrainInstance -Id broken } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceStatusInvalid,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'logs to logs/ava.log and shows the same with -Verbose' {
        $verbose = New-AvaTrainInstance -Id talk -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Contain "Started training instance talk in $([IO.Path]::Combine($workspace, 'run', 'talk'))"
        Join-Path $workspace 'run/talk/logs/ava.log' | Should -FileContentMatch 'Started training instance talk'
    }

    It 'shows a compact table by default' {
        $table = New-AvaTrainInstance -Id shown | Format-Table | Out-String -Width 200
        $table | Should -Match 'Id\s+Status\s+StartTime\s+Duration\s+RunPath'
        $table | Should -Match 'shown\s+Running'
    }
}
