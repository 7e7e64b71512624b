#Requires -Version 7.4
<#
.SYNOPSIS
    A job of several nodes on one machine: the same training script runs as every node, as torchrun or mpirun would
    start it, and the nodes share one training instance.
.DESCRIPTION
    Without RANK in the environment this script is the launcher: it starts -Nodes copies of itself in child pwsh
    processes, each with RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT set as a PyTorch-style launcher sets them, all
    in one workspace (a temporary one it removes at the end, unless -Workspace is given), waits for them, and shows
    what the job left. With RANK set it is one node's training script: it starts (or joins) the job's instance,
    trains with examples/fake-caffe.ps1 under Invoke-AvaTraining and completes its part. Node 0 completes the
    instance once every node has ended.
    Run it with:  ./build.ps1 Demo -Nodes 2, or pwsh -File examples/multi-node.ps1 -Nodes 2 after a build.
#>
[CmdletBinding()]
param(
    [ValidateRange(1, 64)]
    [int] $Nodes = 2,
    # The job's workspace, kept; without it, a temporary one that the launcher removes when the job has ended.
    [string] $Workspace
)

$ErrorActionPreference = 'Stop'
$pwsh = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
# Under `dotnet pwsh` the process is dotnet, with pwsh.dll as its first argument.
$prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })

if (-not $env:RANK) {
    $temporary = -not $Workspace
    if ($temporary) { $Workspace = Join-Path ([IO.Path]::GetTempPath()) "ava-multi-node-$PID" }
    try {
        New-Item -ItemType Directory -Force -Path (Join-Path $Workspace 'params') | Out-Null
        @{ solver = @{ lr = 0.01 }; iterations = 200 } | ConvertTo-Json | Set-Content -Path (Join-Path $Workspace 'params/default.json')
        Write-Host "Workspace: $Workspace; starting $Nodes nodes"
        $children = foreach ($rank in 0..($Nodes - 1)) {
            $info = [Diagnostics.ProcessStartInfo]::new($pwsh)
            foreach ($argument in $prefix + @('-NoProfile', '-NonInteractive', '-File', $PSCommandPath, '-Workspace', $Workspace)) { $info.ArgumentList.Add($argument) }
            $info.Environment['RANK'] = "$rank"
            $info.Environment['WORLD_SIZE'] = "$Nodes"
            $info.Environment['MASTER_ADDR'] = '127.0.0.1'
            $info.Environment['MASTER_PORT'] = "$(29500 + $PID % 1000)"
            [Diagnostics.Process]::Start($info)
        }
        foreach ($child in $children) { $child.WaitForExit() }
        $failed = @($children | Where-Object ExitCode -ne 0)
        Import-Module (Join-Path $PSScriptRoot '../AvaSdk.psd1') -Force
        $instance = Get-AvaTrainInstance -Workspace $Workspace | Select-Object -Last 1
        Write-Host "Instance $($instance.Id): $($instance.Status), $($instance.NodeCount) nodes"
        foreach ($node in $instance.Nodes) {
            $records = @(Get-Content (Join-Path $instance.RunPath "metrics.$($node.Rank).jsonl")).Count
            Write-Host "  node $($node.Rank): $($node.Status.ToString().ToLowerInvariant()), $records metrics in metrics.$($node.Rank).jsonl"
        }
        if ($failed.Count -gt 0) { throw "$($failed.Count) node(s) failed." }
    }
    finally {
        if ($temporary) {
            Remove-Item $Workspace -Recurse -Force -ErrorAction Ignore
            Write-Host "Removed the temporary workspace $Workspace"
        }
    }
    return
}

# One node's training script: the same on every node.
Import-Module (Join-Path $PSScriptRoot '../AvaSdk.psd1') -Force
$env:AVA_WORKSPACE = $Workspace
$train = New-AvaTrainInstance
Write-AvaLog "Node $($train.Node) of $($train.NodeCount) joined instance $($train.Id)"
$arguments = $prefix + @('-NoProfile', '-File', (Join-Path $PSScriptRoot 'fake-caffe.ps1'), '-Iterations', (Get-AvaParam iterations), '-BaseLr', (Get-AvaParam solver.lr))
$work = New-Item -ItemType Directory -Force -Path (Join-Path $train.RunPath "work.$($train.Node)")
try {
    $loss = Invoke-AvaTraining $pwsh -ArgumentList $arguments -Framework Caffe -BatchOfEpoch 100 -WorkingDirectory $work |
        Where-Object { $_.Name -eq 'loss' -and $_.Phase -eq 'Train' } | Select-Object -Last 1
    Write-Host "node $($train.Node): last loss $($loss.Value) at iteration $($loss.Iteration)"
    Complete-AvaTrainInstance $train
}
catch {
    Complete-AvaTrainInstance $train -ErrorMessage $_.Exception.Message
    throw
}
