<#
.SYNOPSIS
    Uploads and downloads a large file (1 GiB by default) through Send-AvaFile and Receive-AvaFile to the local Kodo
    (tests/AvaSdk.TestServer), and moves the same bytes to the same server with curl in the same run: a form
    upload (curl -F) and a signed download (curl -o). Reports throughput, the cmdlet/curl ratio, and this process's
    resident memory: idle after Import-Module, and the peak (VmHWM) after each transfer.
    Each cmdlet run happens in a fresh pwsh so its peak belongs to that transfer alone.
#>
param([long] $Size = 1GB, [int] $Repeat = 2)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../tests/helpers/TestKodo.psm1') -Force
$manifest = (Resolve-Path (Join-Path $PSScriptRoot '../AvaSdk.psd1')).Path
Import-Module $manifest -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "ava-transfer-bench-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$kodo = Start-TestKodo -Folder (Join-Path $work 'kodo')
try {
    $source = New-TestFile (Join-Path $work 'big.bin') $Size
    $credentials = [AvaSdk.Storage.KodoCredentials]::new($kodo.AccessKey, $kodo.SecretKey)

    # One transfer in a child pwsh; it prints wall ms, idle RSS and peak RSS (KiB) as JSON.
    function Measure-Cmdlet([string] $Command) {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
`$rss = { param(`$field) [long]((Get-Content /proc/self/status | Where-Object { `$_ -like "`${field}:*" }) -replace '\D', '') }
[GC]::Collect()
`$idle = & `$rss VmRSS
`$watch = [Diagnostics.Stopwatch]::StartNew()
`$null = $Command
`$watch.Stop()
@{ Ms = `$watch.ElapsedMilliseconds; IdleKiB = `$idle; PeakKiB = (& `$rss VmHWM) } | ConvertTo-Json -Compress
"@
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey
        try { (& (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script | Select-Object -Last 1) | ConvertFrom-Json }
        finally { $env:AVA_ACCESS_KEY = $null; $env:AVA_SECRET_KEY = $null }
    }
    function Measure-Curl([string[]] $Arguments) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        & curl --silent --show-error --fail @Arguments | Out-Null
        if ($LASTEXITCODE -ne 0) { throw "curl failed with exit code $LASTEXITCODE" }
        $watch.ElapsedMilliseconds
    }
    function Rate([long] $Ms) { [Math]::Round($Size / 1MB / ($Ms / 1000), 1) }

    $results = foreach ($round in 1..$Repeat) {
        $key = "bench/$round/big.bin"
        $send = Measure-Cmdlet "Send-AvaFile '$($source.FullName)' -Key '$key' -Bucket bench -UploadHost '$($kodo.Url)' -Force"
        $token = $credentials.UploadToken([AvaSdk.Storage.PutPolicy]::new('bench', "curl/$key", [DateTimeOffset]::UtcNow.AddHours(1), $false))
        $curlUp = Measure-Curl @('-F', "key=curl/$key", '-F', "token=$token", '-F', "file=@$($source.FullName)", "$($kodo.Url)/")

        $target = Join-Path $work "down-$round"
        $receive = Measure-Cmdlet "Receive-AvaFile 'qiniu://bench/$key' '$target/' -Domain '$($kodo.Url)/download/bench' -Force"
        $signed = $credentials.PrivateDownloadUrl("$($kodo.Url)/download/bench/$key", [DateTimeOffset]::UtcNow.AddHours(1))
        $curlDown = Measure-Curl @('-o', (Join-Path $work "curl-$round.bin"), $signed)
        Remove-Item $target, (Join-Path $work "curl-$round.bin") -Recurse -Force
        [pscustomobject]@{ Send = $send; CurlUp = $curlUp; Receive = $receive; CurlDown = $curlDown }
    }

    $best = { param($values) ($values | Measure-Object -Minimum).Minimum }
    $sendMs = & $best $results.Send.Ms; $curlUpMs = & $best $results.CurlUp
    $receiveMs = & $best $results.Receive.Ms; $curlDownMs = & $best $results.CurlDown
    [pscustomobject]@{
        Direction = 'upload'; SizeMiB = $Size / 1MB; CmdletMs = $sendMs; CurlMs = $curlUpMs
        CmdletMiBs = Rate $sendMs; CurlMiBs = Rate $curlUpMs; Ratio = [Math]::Round($curlUpMs / $sendMs, 2)
        IdleMiB = [Math]::Round(($results.Send.IdleKiB | Measure-Object -Maximum).Maximum / 1024)
        PeakMiB = [Math]::Round(($results.Send.PeakKiB | Measure-Object -Maximum).Maximum / 1024)
    }
    [pscustomobject]@{
        Direction = 'download'; SizeMiB = $Size / 1MB; CmdletMs = $receiveMs; CurlMs = $curlDownMs
        CmdletMiBs = Rate $receiveMs; CurlMiBs = Rate $curlDownMs; Ratio = [Math]::Round($curlDownMs / $receiveMs, 2)
        IdleMiB = [Math]::Round(($results.Receive.IdleKiB | Measure-Object -Maximum).Maximum / 1024)
        PeakMiB = [Math]::Round(($results.Receive.PeakKiB | Measure-Object -Maximum).Maximum / 1024)
    }
}
finally {
    Stop-TestKodo $kodo
    Remove-Item $work -Recurse -Force -ErrorAction Ignore
}
