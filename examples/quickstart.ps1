#Requires -Version 7.4
<#
.SYNOPSIS
    A small but real AvaSdk job: parameters read, an instance started, a Caffe-style training run whose metrics stream
    through the pipeline, snapshots kept, the instance completed.
.DESCRIPTION
    Creates a throw-away workspace in the temp folder, removed when the script ends (or uses -Workspace, which it
    keeps), writes params/default.json, reads
    parameters the way a training script does, starts a training instance, runs examples/fake-caffe.ps1 (it writes
    glog lines to stderr as `caffe train` does) under Invoke-AvaTraining, prints the loss as each line arrives,
    completes the instance and shows what the run left: status.json, metrics.jsonl, snapshots and the log. It ends by
    reading the run's metrics back (Get-AvaMetric) and drawing them (Export-AvaChart) into -ChartPath, which it prints.
    On the AVA platform, or with AVA_* variables set (see Get-AvaConfig), the same script also reports to the
    platform and uploads the snapshots.
    Run it with:  ./build.ps1 Demo, or pwsh -File examples/quickstart.ps1 after a build.
#>
[CmdletBinding()]
param(
    # The job's workspace, kept; without it, a temporary one that the script removes when it ends.
    [string] $Workspace,
    # Where the picture of the run goes: by default quickstart.png in -Workspace, or ava-quickstart.png in the temp
    # folder when the workspace is temporary. build.ps1 Demo puts it in out/demo, or in docs/images with -RefreshDocsImage.
    [string] $ChartPath
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../AvaSdk.psd1') -Force

$temporary = -not $Workspace
if ($temporary) { $Workspace = Join-Path ([IO.Path]::GetTempPath()) "ava-quickstart-$PID" }
if (-not $ChartPath) { $ChartPath = if ($temporary) { Join-Path ([IO.Path]::GetTempPath()) 'ava-quickstart.png' } else { Join-Path $Workspace 'quickstart.png' } }
try {
    New-Item -ItemType Directory -Force -Path (Join-Path $Workspace 'params') | Out-Null
    @{
        solver = @{ lr = 0.01; momentum = 0.9; policy = 'step' }
        iterations = 300
        layers = @(@{ name = 'conv1'; filters = 32 }, @{ name = 'fc'; units = 10 })
    } | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $Workspace 'params/default.json')
    $env:AVA_WORKSPACE = $Workspace
    Write-Host "Workspace: $Workspace"

    $lr = Get-AvaParam solver.lr
    $iterations = Get-AvaParam iterations -Required
    $batch = Get-AvaParam solverOps.batchSize -Default 8
    $firstLayer = (Get-AvaParam layers[0]).name
    Write-Host "Parameters: lr=$lr ($($lr.GetType().Name)), iterations=$iterations ($($iterations.GetType().Name)), batch=$batch (default), first layer=$firstLayer"

    $train = New-AvaTrainInstance
    Write-Host "Started instance $($train.Id) in $($train.RunPath)"

    # The trainer is pwsh itself running fake-caffe.ps1; under `dotnet pwsh` the process is dotnet with pwsh.dll.
    $pwsh = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    $arguments = $prefix + @('-NoProfile', '-File', (Join-Path $PSScriptRoot 'fake-caffe.ps1'), '-Iterations', $iterations, '-BaseLr', $lr)
    # No try/catch: if the training fails, the script stops and the end of the session marks the instance failed
    # with the trainer's error (see about_AvaSdk, INSTANCES LEFT RUNNING). No -Framework: the log's format (Caffe's
    # here) is detected. loss is the solver's line, one per displayed iteration (the raw train net output is output:loss).
    $metrics = Invoke-AvaTraining $pwsh -ArgumentList $arguments -BatchOfEpoch 100 -WorkingDirectory $train.RunPath |
        ForEach-Object {
            if ($_.Name -eq 'loss' -and $_.Phase -eq 'Train') {
                Write-Host ('  iteration {0,4}  loss {1:0.0000}' -f $_.Iteration, $_.Value)
            }
            $_
        }
    $train | Complete-AvaTrainInstance

    Write-Host "$($metrics.Count) metrics; by name:"
    $metrics | Group-Object Name, Phase -NoElement | Sort-Object Name | Format-Table -AutoSize | Out-String | Write-Host
    Write-Host 'status.json:'
    Get-Content $train.StatusPath | Write-Host
    Write-Host "metrics.jsonl: $((Get-Content (Join-Path $train.RunPath 'metrics.jsonl')).Count) lines; snapshots in $($train.SnapshotPath):"
    Get-ChildItem $train.SnapshotPath | ForEach-Object { Write-Host "  $($_.Name)" }
    Write-Host 'logs/ava.log:'
    Get-Content (Join-Path $train.LogPath 'ava.log') | Write-Host

    # The two commands that show a run: read what it recorded, draw it.
    $chart = Get-AvaMetric $train | Export-AvaChart $ChartPath -Title "quickstart: instance $($train.Id)"
    Write-Host "Curves: $($chart.FullName) ($($chart.Length) bytes)"
}
finally {
    if ($temporary) {
        Remove-Item $Workspace -Recurse -Force -ErrorAction Ignore
        Write-Host "Removed the temporary workspace $Workspace"
    }
}
