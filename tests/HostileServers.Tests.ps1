# Servers that ask for an hour, stall or forget to answer: every AvaSdk wait is bounded, and nothing is lost.
BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    $script:server = Start-TestKodo -Folder (Join-Path $TestDrive 'server')
    $script:saved = @{}
    foreach ($name in 'AVA_WORKSPACE', 'AVA_METRICS_URL', 'AVA_UP_HOST', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_RETRY_AFTER_MAX_SEC', 'AVA_HTTP_TIMEOUT_SEC', 'AVA_DELIVERY_WAIT_SEC') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $script:to = @{ Bucket = 'models'; UploadHost = $server.Url; Credential = $server.Credential }
    # A server of tests/oracles, started with its arguments: it prints its URL, and stops when its stdin closes.
    function Start-Oracle([string] $Name, [string[]] $Arguments) {
        $info = [System.Diagnostics.ProcessStartInfo]::new('python3')
        foreach ($argument in @("$PSScriptRoot/oracles/$Name") + $Arguments) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $info.RedirectStandardInput = $true
        $oracle = [System.Diagnostics.Process]::Start($info)
        $first = $oracle.StandardOutput.ReadLineAsync()
        if (-not $first.Wait(20000) -or $first.Result -notmatch '^listening (http://\S+)$') { throw "$Name did not start: '$($first.Result)'" }
        $oracle | Add-Member -NotePropertyName Url -NotePropertyValue $Matches[1] -PassThru
    }
    function Stop-Oracle($Oracle) {
        if (-not $Oracle) { return }
        $Oracle.StandardInput.Close()
        if (-not $Oracle.WaitForExit(10000)) { $Oracle.Kill() }
    }
}
AfterAll {
    Stop-TestKodo $server
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'A server that answers Retry-After: 3600' {
    BeforeEach {
        Reset-TestKodo $server
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $workspace | Out-Null
    }
    AfterEach { $env:AVA_METRICS_URL = $null }

    It 'does not hold a short training for an hour: the points wait in the spool, and a warning says so' {
        $env:AVA_METRICS_URL = "$($server.Url)/v1/report/trainings/hour/metric"
        Set-TestKodoFailure $server -Path '/v1/report' -Status 503 -RetryAfter 3600 -Count 1000
        $train = New-AvaTrainInstance -Id hour -Workspace $workspace
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 1"; echo "Iteration 2, loss = 0.5"' -Framework Caffe -TrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        # A hang detector, not a speed target: an honoured Retry-After would take an hour.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 120
        $metrics.Count | Should -Be 2
        $warnings.Message | Should -Match 'could not be delivered yet; they are kept in .*metrics-spool\.lp'
        @(Get-Content (Join-Path $train.RunPath 'metrics-spool.lp')).Count | Should -Be 2
        (Get-TestKodoStats $server).requests.all | Should -Be 1 -Because 'a server asking for an hour is down for now, not retried'
    }

    It 'fails an upload at once with the wait the server asked for, instead of waiting an hour per retry' {
        $file = New-TestFile (Join-Path $workspace 'small.bin') 100
        Set-TestKodoFailure $server -Path '/' -Method POST -Status 503 -RetryAfter 3600 -Count 10
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $stored = Send-AvaFile $file.FullName @to -MaxRetry 5 -ErrorVariable errors -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 120
        $stored | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaUploadFailed,*'
        $errors[0].Exception.Message | Should -Match 'Retry-After 3600 s'
        (Get-TestKodoStats $server).requests.all | Should -Be 1
    }

    It 'honours a Retry-After within AVA_RETRY_AFTER_MAX_SEC' {
        $file = New-TestFile (Join-Path $workspace 'short-wait.bin') 100
        Set-TestKodoFailure $server -Path '/' -Method POST -Status 503 -RetryAfter 1 -Count 1
        $env:AVA_RETRY_AFTER_MAX_SEC = '5'
        try { (Send-AvaFile $file.FullName @to).Key | Should -Be 'short-wait.bin' }
        finally { $env:AVA_RETRY_AFTER_MAX_SEC = $null }
        (Get-TestKodoStats $server).requests.all | Should -Be 2
    }

    It 'shows the bounds and where they come from' {
        $env:AVA_HTTP_TIMEOUT_SEC = '12'
        try {
            $settings = Get-AvaConfig HttpTimeoutSec, RetryAfterMaxSec -Workspace $workspace
            ($settings | Where-Object Name -eq HttpTimeoutSec) | ForEach-Object { $_.Value, $_.Source } | Should -Be @('12', 'env:AVA_HTTP_TIMEOUT_SEC')
            ($settings | Where-Object Name -eq RetryAfterMaxSec) | ForEach-Object { $_.Value, $_.Source } | Should -Be @('60', 'default')
        } finally { $env:AVA_HTTP_TIMEOUT_SEC = $null }
    }
}

Describe 'Hosts from the bucket''s region' {
    BeforeAll {
        # The region cache lives in the temp folder: give these specs their own.
        $script:savedTemp = $env:TMPDIR
        $env:TMPDIR = Join-Path $TestDrive 'tmp'
        New-Item -ItemType Directory $env:TMPDIR | Out-Null
        $env:AVA_UC_HOST = $server.Url
        $script:main = ([uri]$server.Url).Authority
    }
    AfterAll { $env:TMPDIR = $savedTemp; $env:AVA_UC_HOST = $null }
    BeforeEach {
        Reset-TestKodo $server
        Remove-Item (Join-Path $env:TMPDIR 'avasdk') -Recurse -Force -ErrorAction Ignore
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $workspace | Out-Null
    }

    It 'uploads to the region''s hosts in order, past one that cannot be reached, and asks once for its ttl' {
        Set-TestKodoRegion $server -Up '127.0.0.1:1', $main
        $first = New-TestFile (Join-Path $workspace 'a.bin') 1000
        $second = New-TestFile (Join-Path $workspace 'b.bin') 1000 -Seed 2
        (Send-AvaFile $first.FullName -Bucket regional -Credential $server.Credential -MaxRetry 1).Key | Should -Be 'a.bin'
        (Send-AvaFile $second.FullName -Bucket regional -Credential $server.Credential -MaxRetry 1).Key | Should -Be 'b.bin'
        (Get-TestKodoStats $server).regionQueries | Should -Be 1 -Because 'the second command reads the cached answer'
        (Get-TestKodoObject $server regional b.bin).hash | Should -Not -BeNullOrEmpty
        $env:AVA_ACCESS_KEY = $server.AccessKey; $env:AVA_SECRET_KEY = $server.SecretKey; $env:AVA_BUCKET = 'regional'
        try { $hosts = Get-AvaConfig UploadHosts -Workspace $workspace }
        finally { $env:AVA_ACCESS_KEY = $null; $env:AVA_SECRET_KEY = $null; $env:AVA_BUCKET = $null }
        $hosts.Value | Should -Be "http://127.0.0.1:1/, http://$main/"
        $hosts.Source | Should -BeLike 'region query at*cached*'
    }

    It 'downloads qiniu:// from the bucket''s io_src domain when no domain is given' {
        $file = New-TestFile (Join-Path $workspace 'weights.bin') 5000
        Send-AvaFile $file.FullName -Bucket iosrc -Key 'models/weights.bin' -Credential $server.Credential -UploadHost $server.Url | Out-Null
        $received = Receive-AvaFile 'qiniu://iosrc/models/weights.bin' (Join-Path $workspace 'out/') -Credential $server.Credential
        (Get-FileHash $received.FullName).Hash | Should -Be (Get-FileHash $file.FullName).Hash
        $ioSrc = (Get-TestKodoHosts $server).ioSrc.iosrc
        $ioSrc | Should -Not -BeNullOrEmpty
        $requests = Get-TestKodoRequests $server
        $download = $requests | Where-Object { $_.method -eq 'GET' -and $_.target -like '/models/weights.bin*' }
        $download.host | Should -Be $ioSrc
        $download.token | Should -BeTrue -Because 'a source domain download is signed as a private URL'
        (Get-AvaConfig DownloadDomain -Workspace $workspace) | Should -Not -BeNullOrEmpty
    }
}

Describe 'A download that stops arriving' {
    BeforeEach {
        Reset-TestKodo $server
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $workspace | Out-Null
    }

    It 'fails the attempt after -TimeoutSec of silence and resumes where it stopped' {
        $file = New-TestFile (Join-Path $workspace 'stall.bin') (3MB)
        Send-AvaFile $file.FullName -Bucket stalls -Credential $server.Credential -UploadHost $server.Url -PartSize 8MB | Out-Null
        Reset-TestKodo $server
        Set-TestKodoStall $server -Ms 600000 -Path '/download' -Count 1
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $received = Receive-AvaFile 'qiniu://stalls/stall.bin' (Join-Path $workspace 'out/') -Credential $server.Credential -Domain "$($server.Url)/download/stalls" -TimeoutSec 2
        # A hang detector: without an idle timeout the stalled attempt waits the full 10 minutes.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        (Get-FileHash $received.FullName).Hash | Should -Be (Get-FileHash $file.FullName).Hash
        (Get-TestKodoStats $server).requests.download | Should -Be 2
    }
}

Describe 'A metrics endpoint that accepts connections and never answers' {
    BeforeAll {
        # slow_proxy.py answering after an hour: it takes the request and says nothing.
        $script:silent = Start-Oracle slow_proxy.py 'http://127.0.0.1:9', '3600000'
    }
    AfterAll { Stop-Oracle $silent }
    BeforeEach {
        Reset-TestKodo $server
        $script:workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory $workspace | Out-Null
        $env:AVA_METRICS_URL = "$($silent.Url)/write?db=silent"
    }
    AfterEach { $env:AVA_METRICS_URL = $null; $env:AVA_DELIVERY_WAIT_SEC = $null }

    It 'holds Invoke-AvaTraining at most 10 s after a 1-second trainer ends: the rest is spooled with a warning' {
        $train = New-AvaTrainInstance -Id silent -Workspace $workspace
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 1, loss = 1"; sleep 1; echo "Iteration 2, loss = 0.5"' -Framework Caffe -TrainInstance $train -WarningVariable warnings -WarningAction SilentlyContinue
        # A bound, not a timing: 10 s after the trainer, on a loaded machine. Five unanswered posts took 156-168 s.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        $metrics.Count | Should -Be 2
        $warnings.Message | Should -Match 'did not take them within 10 s of the training''s end\); they are kept in .*metrics-spool\.lp'
        @(Get-Content (Join-Path $train.RunPath 'metrics-spool.lp')).Count | Should -Be 2
    }

    It 'bounds Complete-AvaTrainInstance''s delivery by AVA_DELIVERY_WAIT_SEC; -Retry sends what stays owed once an endpoint answers' {
        (Get-AvaConfig DeliveryWaitSec -Workspace $workspace) | ForEach-Object { $_.Value, $_.Source } | Should -Be @('60', 'default')
        $train = New-AvaTrainInstance -Id owed -Workspace $workspace
        Set-Content (Join-Path $train.RunPath 'metrics-spool.lp') 'loss,phase=train value=1 1', 'loss,phase=train value=0.5 2'
        $env:AVA_DELIVERY_WAIT_SEC = '3'
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Complete-AvaTrainInstance $train -NoChart -WarningVariable warnings -WarningAction SilentlyContinue
        # A bound, not a timing: 3 s of delivery on a loaded machine. Five unanswered posts took over 150 s.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        (Get-AvaTrainInstance -Id owed -Workspace $workspace).Status | Should -Be 'Done'
        $warnings.Message | Should -Match '2 metric point\(s\) of instance ''owed'' could not be delivered \(the metrics endpoint did not take them within 3 s, \$AVA_DELIVERY_WAIT_SEC\); they stay owed'
        $warnings.Message | Should -Match 'Complete-AvaTrainInstance -Retry sends what is kept once the platform or the metrics endpoint answers'
        @(Get-Content (Join-Path $train.RunPath 'metrics-spool.lp')).Count | Should -Be 2

        $env:AVA_METRICS_URL = "$($server.Url)/v1/report/trainings/owed/metric"
        Complete-AvaTrainInstance -Retry -Workspace $workspace -WarningVariable retried -WarningAction SilentlyContinue
        $retried | Should -BeNullOrEmpty
        Join-Path $train.RunPath 'metrics-spool.lp' | Should -Not -Exist
        @((Get-TestProbe $server -Id owed).lines).Count | Should -Be 2
    }
}

Describe 'A body trickled at 1 byte a second' {
    BeforeAll { $script:trickle = Start-Oracle trickle_server.py '200', '1000' }
    AfterAll { Stop-Oracle $trickle }

    It 'fails each attempt once it is slower than 1 KiB/s for -TimeoutSec, and says so' {
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $received = Receive-AvaFile "$($trickle.Url)/slow.bin" (Join-Path $workspace 'out/') -TimeoutSec 3 -MaxRetry 1 -ErrorVariable errors -ErrorAction SilentlyContinue
        # A bound, not a timing: two attempts of 3 s. The whole body trickles in over 200 s when every byte resets the clock.
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 60
        $received | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaDownloadFailed,*'
        $errors[0].Exception.Message | Should -Match 'slower than 1 KiB/s for 3 s'
    }
}
