BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
}

Describe 'Write-AvaLog' {
    BeforeEach {
        $script:workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $script:train = New-AvaTrainInstance -Workspace $workspace
    }
    AfterEach { Complete-AvaTrainInstance $train -ErrorAction Ignore }

    It 'appends each line to the instance''s ava.log with its level, from the pipeline too' {
        'preparing data', 'data ready' | Write-AvaLog
        Write-AvaLog 'smaller validation set' -Level Warning -WarningAction SilentlyContinue
        Write-AvaLog 'details' -Level Debug
        $log = Get-Content (Join-Path $train.LogPath 'ava.log')
        $log | Where-Object { $_ -match '\[INF\] \[pid \d+\] preparing data$' } | Should -HaveCount 1
        $log | Where-Object { $_ -match '\[INF\] \[pid \d+\] data ready$' } | Should -HaveCount 1
        $log | Where-Object { $_ -match '\[WRN\] \[pid \d+\] smaller validation set$' } | Should -HaveCount 1
        $log | Where-Object { $_ -match '\[DBG\] \[pid \d+\] details$' } | Should -HaveCount 1
    }

    It 'shows the line on the stream of its level; an error does not stop the script' {
        $verbose = Write-AvaLog 'a note' -Verbose 4>&1
        "$verbose" | Should -Be 'a note'
        Write-AvaLog 'careful' -Level Warning -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -Be 'careful'
        Write-AvaLog 'it broke' -Level Error -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'AvaScriptError,*'
        $failed[0].Exception.Message | Should -Be 'it broke'
        $wentOn = $true
        $wentOn | Should -BeTrue
    }

    It 'writes to the instance given, and stops with AvaTrainInstanceNotFound in a session without one' {
        $other = New-AvaTrainInstance -Id other -Workspace $workspace
        Write-AvaLog 'to the other' -TrainInstance $other
        Join-Path $other.LogPath 'ava.log' | Should -FileContentMatch 'to the other'
        Complete-AvaTrainInstance $other
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; Write-AvaLog 'nowhere'")
            $ps.Invoke()
            $ps.Streams.Error[0].FullyQualifiedErrorId | Should -BeLike 'AvaTrainInstanceNotFound,*'
        } finally { $ps.Dispose() }
    }
}
