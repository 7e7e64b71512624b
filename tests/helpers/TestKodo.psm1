<#
    The local Kodo and AVA platform (tests/AvaSdk.TestServer, built with the solution) for the specs: started on a
    free loopback port with its own data folder, told to fail through its /_control endpoints, stopped by Stop-TestKodo.
#>

function Start-TestKodo {
    param([Parameter(Mandatory)] [string] $Folder, [string] $AccessKey = 'test-ak', [string] $SecretKey = 'test-sk-not-a-real-secret')
    $dll = Get-ChildItem "$PSScriptRoot/../AvaSdk.TestServer/bin/*/net10.0/AvaSdk.TestServer.dll" -ErrorAction Ignore |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $dll) { throw 'The test Kodo server is not built: run ./build.ps1 Build first.' }
    $dll = $dll.FullName
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $start = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($dll, '--access-key', $AccessKey, '--secret-key', $SecretKey, '--data', $Folder)) { $start.ArgumentList.Add($argument) }
    $start.RedirectStandardInput = $true
    $start.RedirectStandardOutput = $true
    $start.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($start)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch 'Listening on (\S+)') {
        $process.Kill($true)
        throw "The test Kodo server did not start: '$line'"
    }
    $url = $Matches[1]
    [pscustomobject]@{
        Process    = $process
        Url        = $url
        AccessKey  = $AccessKey
        SecretKey  = $SecretKey
        Credential = [pscredential]::new($AccessKey, (ConvertTo-SecureString $SecretKey -AsPlainText -Force))
    }
}

function Stop-TestKodo {
    param($Server)
    if (-not $Server) { return }
    $Server.Process.StandardInput.Close()
    if (-not $Server.Process.WaitForExit(10000)) { $Server.Process.Kill($true) }
}

# Makes the next -Count requests whose path starts with -Path fail: -Status (503 …), -Drop (connection cut mid-body) or -DelayMs.
# -Body (with -ContentType, text/html by default) answers the status with that body instead of Kodo's JSON error.
function Set-TestKodoFailure {
    param($Server, [int] $Count = 1, [int] $Status = 503, [string] $Path, [string] $Method, [switch] $Drop, [int] $DelayMs, [int] $RetryAfter, [string] $Body, [string] $ContentType)
    $kind = if ($Drop) { 'drop' } elseif ($DelayMs) { 'delay' } else { 'fail' }
    $query = "count=$Count&status=$Status&ms=$DelayMs&retryAfter=$RetryAfter"
    if ($PSBoundParameters.ContainsKey('Body')) { $query += '&body=' + [uri]::EscapeDataString($Body) }
    if ($ContentType) { $query += '&contentType=' + [uri]::EscapeDataString($ContentType) }
    if ($Path) { $query += '&path=' + [uri]::EscapeDataString($Path) }
    if ($Method) { $query += "&method=$Method" }
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/$kind`?$query" | Out-Null
}

# Clears planned failures, counters and what the AVA API and probe recorded (stored objects and instances stay).
function Reset-TestKodo {
    param($Server)
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/reset" | Out-Null
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/ava/reset" | Out-Null
}

function Get-TestKodoStats { param($Server) Invoke-RestMethod -Uri "$($Server.Url)/_control/stats" }

function Get-TestKodoObject {
    param($Server, [string] $Bucket, [string] $Key)
    try { Invoke-RestMethod -Uri "$($Server.Url)/_control/object?bucket=$Bucket&key=$([uri]::EscapeDataString($Key))" } catch { $null }
}

# A file of -Size bytes whose content differs from block to block (so a misplaced part changes the hash).
function New-TestFile {
    param([string] $Path, [long] $Size, [int] $Seed = 1)
    $random = [System.Random]::new($Seed)
    $buffer = [byte[]]::new([Math]::Min($Size, 1MB))
    $stream = [System.IO.File]::Create($Path)
    try {
        $left = $Size
        while ($left -gt 0) {
            $random.NextBytes($buffer)
            $count = [int][Math]::Min($left, $buffer.Length)
            $stream.Write($buffer, 0, $count)
            $left -= $count
        }
    } finally { $stream.Dispose() }
    Get-Item $Path
}

# What the AVA API and probe received: requests (method, path, body, whether the signature was valid), instances, models, metric lines.
function Get-TestAvaRecord { param($Server) Invoke-RestMethod -Uri "$($Server.Url)/_control/ava" }

# The listeners (main, extra host:port list, io_src per bucket, wrong-region marks); see tests/AvaSdk.TestServer/README.md.
function Get-TestKodoHosts { param($Server) Invoke-RestMethod -Uri "$($Server.Url)/_control/hosts" }

# Every non-control request the server saw: method, host, raw target, whether it carried Authorization or token=.
function Get-TestKodoRequests { param($Server) Invoke-RestMethod -Uri "$($Server.Url)/_control/requests" }

# What /v4/query answers: -Up/-Old are host:port lists (e.g. a dead host first), -Ttl in seconds.
function Set-TestKodoRegion {
    param($Server, [int] $Ttl = 86400, [string[]] $Up, [string[]] $Old)
    $query = "ttl=$Ttl"
    if ($PSBoundParameters.ContainsKey('Up')) { $query += '&up=' + [uri]::EscapeDataString($Up -join ',') }
    if ($PSBoundParameters.ContainsKey('Old')) { $query += '&old=' + [uri]::EscapeDataString($Old -join ',') }
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/region?$query" | Out-Null
}

# The next -Count matching requests stall for -Ms (download: half the body then silence; upload: stop reading).
function Set-TestKodoStall {
    param($Server, [int] $Ms = 1000, [int] $Count = 1, [string] $Path, [string] $Method, [switch] $Resume)
    $query = "ms=$Ms&count=$Count"
    if ($Path) { $query += '&path=' + [uri]::EscapeDataString($Path) }
    if ($Method) { $query += "&method=$Method" }
    if ($Resume) { $query += '&resume=1' }
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/stall?$query" | Out-Null
}

# The next -Count matching requests answer 302 to another listener (-To host:port, default the first extra one).
function Set-TestKodoRedirect {
    param($Server, [string] $To, [int] $Count = 1, [string] $Path, [string] $Method, [int] $Status = 302)
    $query = "count=$Count&status=$Status"
    if ($To) { $query += "&to=$To" }
    if ($Path) { $query += '&path=' + [uri]::EscapeDataString($Path) }
    if ($Method) { $query += "&method=$Method" }
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/redirect?$query" | Out-Null
}

function Get-IndependentEtagV2 {
    <# etagV2 of a file sent in parts of PartSize (kodo-protocol §6), by Python's hashlib: the product's hasher is not the judge. #>
    param([Parameter(Mandatory)] [string] $Path, [long] $PartSize = 1MB)
    python3 -c "import base64,hashlib,sys; d=open(sys.argv[1],'rb').read(); M=int(sys.argv[2]); print(base64.urlsafe_b64encode(b'\x9e'+hashlib.sha1(b''.join(hashlib.sha1(d[i:i+M]).digest() for i in range(0,len(d),M))).digest()).decode())" $Path $PartSize
}

Export-ModuleMember -Function Get-TestAvaRecord, Start-TestKodo, Stop-TestKodo, Set-TestKodoFailure, Reset-TestKodo, Get-TestKodoStats, Get-TestKodoObject, New-TestFile, Get-TestKodoHosts, Get-TestKodoRequests, Set-TestKodoRegion, Set-TestKodoStall, Set-TestKodoRedirect, Get-IndependentEtagV2


# AVA-side faults (tests/AvaSdk.TestServer/AvaOracle.cs): the next -Count matching requests are served and then the
# connection is cut (create-then-drop, update-then-drop, model-then-drop, probe-then-drop), or the probe answers
# HTTP 200 with {"code":-Code} (probe-code) or with a body that is not JSON (probe-not-json).
function Set-TestAvaFault {
    param($Server, [Parameter(Mandatory)] [ValidateSet('create-then-drop', 'update-then-drop', 'model-then-drop', 'probe-code', 'probe-then-drop', 'probe-not-json')] [string] $Mode, [int] $Count = 1, [int] $Code = 1)
    Invoke-RestMethod -Method Post -Uri "$($Server.Url)/_control/ava/fail?mode=$Mode&count=$Count&code=$Code" | Out-Null
}

# The points the probe accepted for one instance (-Id: lines and parsed points) or for all ({instances, rejected}).
function Get-TestProbe {
    param($Server, [string] $Id)
    $uri = "$($Server.Url)/_control/probe"
    if ($Id) { $uri += '?id=' + [uri]::EscapeDataString($Id) }
    Invoke-RestMethod -Uri $uri
}

Export-ModuleMember -Function Set-TestAvaFault, Get-TestProbe
