<#
    A real InfluxDB 1.x for the specs: influxd from Debian's influxdb package, started with a config of our own in a
    temp folder, listening on free loopback ports only, stopped by Stop-TestInfluxDb.
#>

function Get-FreeTcpPort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Test-InfluxDbAvailable {
    [bool](Get-Command influxd -CommandType Application -ErrorAction Ignore)
}

function Start-TestInfluxDb {
    param([Parameter(Mandatory)] [string] $Folder, [string] $Database = 'ava')
    $influxd = (Get-Command influxd -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
    $httpPort = Get-FreeTcpPort
    $rpcPort = Get-FreeTcpPort
    New-Item -ItemType Directory -Force -Path $Folder | Out-Null
    $config = Join-Path $Folder 'influxdb.conf'
    @"
reporting-disabled = true
bind-address = "127.0.0.1:$rpcPort"
[meta]
  dir = "$Folder/meta"
[data]
  dir = "$Folder/data"
  wal-dir = "$Folder/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:$httpPort"
  log-enabled = false
[monitor]
  store-enabled = false
"@ | Set-Content -Path $config
    $process = Start-Process -FilePath $influxd -ArgumentList '-config', $config -PassThru `
        -RedirectStandardOutput (Join-Path $Folder 'influxd.out') -RedirectStandardError (Join-Path $Folder 'influxd.err')
    $base = "http://127.0.0.1:$httpPort"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { Invoke-WebRequest "$base/ping" -TimeoutSec 2 | Out-Null; break }
        catch {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                Stop-Process -Id $process.Id -Force -ErrorAction Ignore
                throw "influxd did not start: $(Get-Content (Join-Path $Folder 'influxd.err') -Raw)"
            }
            Start-Sleep -Milliseconds 200
        }
    }
    Invoke-RestMethod -Method Post -Uri "$base/query" -Body @{ q = "CREATE DATABASE $Database" } | Out-Null
    [pscustomobject]@{ Process = $process; BaseUrl = $base; Database = $Database; WriteUrl = "$base/write?db=$Database" }
}

function Stop-TestInfluxDb {
    param($Server)
    if ($Server) { Stop-Process -Id $Server.Process.Id -Force -ErrorAction Ignore; $Server.Process.WaitForExit(10000) | Out-Null }
}

function Get-InfluxPoint {
    <# Every point of every ava_metric_* measurement, as objects with Measurement, Time (ns), Value and tags. #>
    param([Parameter(Mandatory)] $Server)
    $reply = Invoke-RestMethod -Uri "$($Server.BaseUrl)/query" -Body @{ db = $Server.Database; epoch = 'ns'; q = 'SELECT * FROM /^ava_metric_/' }
    foreach ($series in $reply.results[0].series) {
        foreach ($row in $series.values) {
            $point = [ordered]@{ Measurement = $series.name }
            for ($i = 0; $i -lt $series.columns.Count; $i++) { $point[$series.columns[$i]] = $row[$i] }
            [pscustomobject]$point
        }
    }
}

Export-ModuleMember -Function Get-FreeTcpPort, Test-InfluxDbAvailable, Start-TestInfluxDb, Stop-TestInfluxDb, Get-InfluxPoint
