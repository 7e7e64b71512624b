<#
.SYNOPSIS
    End to end: a child writes 1,000,000 Caffe log lines to stderr as fast as it can, run plain (stderr to /dev/null)
    and under Invoke-AvaTraining with the pipeline's output discarded. Two workloads: the real cifar10 Caffe log
    (shared/fixtures) cycled to 1,000,000 lines, and a worst case where every line is a 1.0-style loss line (a speed
    and a loss metric each). Reports the best of -Repeat runs: wall times, their ratio, and the child's own running
    time (had the child stalled on its pipe, its own time would grow).
#>
param([int] $Lines = 1000000, [int] $Repeat = 3, [string] $Fixtures = $(if ($env:AVASDK_FIXTURES) { $env:AVASDK_FIXTURES } else { Join-Path $PSScriptRoot '../../shared/fixtures' }))
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../AvaSdk.psd1') -Force

$work = Join-Path ([IO.Path]::GetTempPath()) "ava-bench-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null
$childTime = Join-Path $work 'child-ms'
$workloads = [ordered]@{
    'real cifar10 log, cycled' = "awk -v n=`"`$1`" '{ line[NR] = `$0 } END { for (i = 0; i < n; i++) print line[i % NR + 1] }' '$(Join-Path $Fixtures 'caffe/aieater-rocm_caffe_informations-cifar10.log')'"
    'every line a loss line'   = "awk -v n=`"`$1`" 'BEGIN { for (i = 0; i < n; i++) printf `"I0613 10:22:25.735756   202 solver.cpp:218] Iteration %d (1.67977 iter/s, 59.532s/100 iters), loss = 0.232427\n`", i }'"
}

function Measure-Once([scriptblock] $Run) {
    $watch = [Diagnostics.Stopwatch]::StartNew()
    & $Run
    $watch.Stop()
    [pscustomobject]@{ WallMs = $watch.ElapsedMilliseconds; ChildMs = [int](Get-Content $childTime) }
}

foreach ($name in $workloads.Keys) {
    # The child times itself; its lines go to stderr, as Caffe's glog writes them. The plain run sends stderr to
    # /dev/null inside sh: a pwsh 2> redirection would route it through PowerShell.
    $trainer = "start=`$(date +%s%N)`n$($workloads[$name]) 1>&2`nend=`$(date +%s%N)`necho `$(( (end - start) / 1000000 )) > `"`$2`""
    $plain = 1..$Repeat | ForEach-Object { Measure-Once { sh -c "exec 2>/dev/null`n$trainer" trainer $Lines $childTime } }
    $train = New-AvaTrainInstance -Id "bench-$([guid]::NewGuid().ToString('N'))" -Workspace $work
    $under = 1..$Repeat | ForEach-Object { Measure-Once { $null = Invoke-AvaTraining sh -ArgumentList '-c', $trainer, 'trainer', $Lines, $childTime -Framework Caffe -TrainInstance $train -WarningAction SilentlyContinue } }
    Complete-AvaTrainInstance $train
    $plainWall = ($plain | Measure-Object WallMs -Minimum).Minimum
    $underWall = ($under | Measure-Object WallMs -Minimum).Minimum
    [pscustomobject]@{
        Workload            = $name
        Lines               = $Lines
        'Metrics per run'   = [long]((Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | Measure-Object).Count / $Repeat)
        'Plain wall (ms)'   = $plainWall
        'Plain child (ms)'  = ($plain | Measure-Object ChildMs -Minimum).Minimum
        'Invoke wall (ms)'  = $underWall
        'Invoke child (ms)' = ($under | Measure-Object ChildMs -Minimum).Minimum
        'Wall ratio'        = [math]::Round($underWall / $plainWall, 2)
    }
}
Remove-Item $work -Recurse -Force
