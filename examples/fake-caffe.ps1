<#
.SYNOPSIS
    Stands in for `caffe train`: writes glog lines to stderr as Caffe does (loss and lr every 20 iterations, a test
    pass and a snapshot every 100), with a loss that falls, so that the quickstart runs anywhere pwsh runs.
#>
param([int] $Iterations = 300, [double] $BaseLr = 0.01, [string] $SnapshotPrefix = 'snapshots/quick', [int] $DelayMs = 5)

function Write-Glog([string] $Source, [string] $Text) {
    $now = [DateTime]::Now
    [Console]::Error.WriteLine(('I{0:MMdd} {0:HH:mm:ss.ffffff} {1,6} {2}] {3}' -f $now, $PID, $Source, $Text))
}

New-Item -ItemType Directory -Force -Path (Split-Path $SnapshotPrefix) | Out-Null
$random = [Random]::new(7)
Write-Glog 'solver.cpp:48' 'Solving CIFAR10_quick'
for ($iteration = 0; $iteration -le $Iterations; $iteration += 20) {
    if ($iteration % 100 -eq 0) {
        Write-Glog 'solver.cpp:330' "Iteration $iteration, Testing net (#0)"
        Write-Glog 'solver.cpp:397' ('    Test net output #0: accuracy = {0:0.####}' -f [Math]::Min(0.95, 0.1 + $iteration / ($Iterations * 1.3)))
        Write-Glog 'solver.cpp:397' ('    Test net output #1: loss = {0:0.#####} (* 1 = {0:0.#####} loss)' -f (2.3 / (1 + $iteration / 60)))
    }
    $loss = 2.3 / (1 + $iteration / 50) + $random.NextDouble() * 0.05
    Write-Glog 'solver.cpp:218' ('Iteration {0} (50.2 iter/s, 0.398s/20 iters), loss = {1:0.######}' -f $iteration, $loss)
    Write-Glog 'solver.cpp:237' ('    Train net output #0: loss = {0:0.######} (* 1 = {0:0.######} loss)' -f $loss)
    Write-Glog 'sgd_solver.cpp:105' ('Iteration {0}, lr = {1}' -f $iteration, $BaseLr * [Math]::Pow(0.9, [Math]::Floor($iteration / 100)))
    if ($iteration -gt 0 -and $iteration % 100 -eq 0) {
        Set-Content -Path "$($SnapshotPrefix)_iter_$iteration.caffemodel" -Value "weights at iteration $iteration"
        Write-Glog 'solver.cpp:464' "Snapshotting to binary proto file $($SnapshotPrefix)_iter_$iteration.caffemodel"
        Set-Content -Path "$($SnapshotPrefix)_iter_$iteration.solverstate" -Value "solver state at iteration $iteration"
        Write-Glog 'sgd_solver.cpp:273' "Snapshotting solver state to binary proto file $($SnapshotPrefix)_iter_$iteration.solverstate"
    }
    Start-Sleep -Milliseconds $DelayMs
}
Write-Glog 'solver.cpp:326' 'Optimization Done.'
