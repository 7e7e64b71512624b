<#
.SYNOPSIS
    Peak memory of Invoke-AvaTraining over a long log: a child writes the real cifar10 Caffe log cycled to -Lines
    lines (4,000,000 by default) as fast as it can, with the output assigned to $null (PowerShell collects a pipeline's
    whole output before an assignment, even to $null), piped to Out-Null, and piped into a consumer that stalls for
    -StallSeconds on the first metric, then drains. Each runs in a fresh pwsh, which reports its
    working set after Import-Module (idle) and its peak (VmHWM) at the end, and how long the child itself ran.
#>
param([int] $Lines = 4000000, [int] $StallSeconds = 8, [string] $Fixtures = $(if ($env:AVASDK_FIXTURES) { $env:AVASDK_FIXTURES } else { Join-Path $PSScriptRoot '../../shared/fixtures' }))
$ErrorActionPreference = 'Stop'
$manifest = (Resolve-Path (Join-Path $PSScriptRoot '../AvaSdk.psd1')).Path
$log = (Resolve-Path (Join-Path $Fixtures 'caffe/aieater-rocm_caffe_informations-cifar10.log')).Path
$work = Join-Path ([IO.Path]::GetTempPath()) "ava-memory-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null

$consumers = [ordered]@{
    '$null = (output collected, then discarded)' = '$null = $run'
    '| Out-Null' = '$run | Out-Null'
    "consumer stalled $StallSeconds s" = "`$stalled = `$false; `$run | ForEach-Object { if (-not `$stalled) { Start-Sleep -Seconds $StallSeconds; `$stalled = `$true } }"
}
foreach ($name in $consumers.Keys) {
    $script = Join-Path $work 'measure.ps1'
    $trainer = "start=`$(date +%s%N); awk -v n=$Lines '{ line[NR] = `$0 } END { for (i = 0; i < n; i++) print line[i % NR + 1] }' '$log' 1>&2; end=`$(date +%s%N); echo `$(( (end - start) / 1000000 )) > '$work/child-ms'"
    $invoke = "Invoke-AvaTraining sh -ArgumentList '-c', '$($trainer -replace "'", "''")' -Framework Caffe -TrainInstance `$train -WarningAction SilentlyContinue"
    $body = $consumers[$name].Replace('$run', $invoke)
    Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$manifest'
[GC]::Collect()
`$idle = [Diagnostics.Process]::GetCurrentProcess().WorkingSet64
`$train = New-AvaTrainInstance -Id "memory-`$([guid]::NewGuid().ToString('N'))" -Workspace '$work'
`$watch = [Diagnostics.Stopwatch]::StartNew()
$body
`$wall = `$watch.ElapsedMilliseconds
Complete-AvaTrainInstance `$train
`$peak = [long](((Get-Content /proc/self/status | Where-Object { `$_ -like 'VmHWM:*' }) -split '\s+')[1]) * 1KB
`$records = [Linq.Enumerable]::Count([IO.File]::ReadLines((Join-Path `$train.RunPath 'metrics.jsonl')))
"`$idle `$peak `$wall `$records"
"@
    $process = [Environment]::ProcessPath
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $idle, $peak, $wall, $records = (& $process @prefix -NoProfile -NonInteractive -File $script | Select-Object -Last 1) -split ' '
    [pscustomobject]@{
        Consumer             = $name
        Lines                = $Lines
        Metrics              = [long]$records
        'Idle (MiB)'         = [math]::Round([long]$idle / 1MB)
        'Peak (MiB)'         = [math]::Round([long]$peak / 1MB)
        'Peak - idle (MiB)'  = [math]::Round(([long]$peak - [long]$idle) / 1MB)
        'Wall (ms)'          = [long]$wall
        'Child ran (ms)'     = [int](Get-Content "$work/child-ms")
    }
}
Remove-Item $work -Recurse -Force
