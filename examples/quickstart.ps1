#Requires -Version 5.1
<#
.SYNOPSIS
    A small but real AvaSdk job: a workspace with a params file, parameters read, an instance started and completed.
.DESCRIPTION
    Creates a throw-away workspace in the temp folder (or uses -Workspace), writes params/default.json, reads
    parameters the way a training script does, starts a training instance, "trains" by writing a snapshot file,
    completes the instance and prints what happened: the instance, its status.json and its log.
    Run it with:  pwsh -File examples/quickstart.ps1   (after building the module), or ./build.ps1 Demo.
#>
[CmdletBinding()]
param(
    [string] $Workspace = (Join-Path ([IO.Path]::GetTempPath()) "ava-quickstart-$PID")
)

$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $PSScriptRoot '../AvaSdk.psd1') -Force

New-Item -ItemType Directory -Force -Path (Join-Path $Workspace 'params') | Out-Null
@{
    solver = @{ lr = 0.01; momentum = 0.9; policy = 'step' }
    epochs = 3
    layers = @(@{ name = 'conv1'; filters = 32 }, @{ name = 'fc'; units = 10 })
} | ConvertTo-Json -Depth 5 | Set-Content -Path (Join-Path $Workspace 'params/default.json')
$env:AVA_WORKSPACE = $Workspace
Write-Host "Workspace: $Workspace"

$lr = Get-AvaParam solver.lr
$epochs = Get-AvaParam epochs -Required
$batch = Get-AvaParam solverOps.batchSize -Default 8
$firstLayer = (Get-AvaParam layers[0]).name
Write-Host "Parameters: lr=$lr ($($lr.GetType().Name)), epochs=$epochs ($($epochs.GetType().Name)), batch=$batch (default), first layer=$firstLayer"

$train = New-AvaTrainInstance
Write-Host "Started instance $($train.Id) in $($train.RunPath)"

foreach ($epoch in 1..$epochs) {
    $snapshot = Join-Path $train.SnapshotPath "epoch-$epoch.params"
    Set-Content -Path $snapshot -Value "weights after epoch $epoch at lr $lr"
}
Write-Host "Wrote $epochs snapshots to $($train.SnapshotPath)"

$train | Complete-AvaTrainInstance -PassThru | Format-Table | Out-String | Write-Host
Write-Host 'status.json:'
Get-Content $train.StatusPath | Write-Host
Write-Host 'logs/ava.log:'
Get-Content (Join-Path $train.LogPath 'ava.log') | Write-Host
