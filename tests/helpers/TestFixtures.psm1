<#
    The real training logs that specs replay, and small logs the specs write themselves.

    Real logs are other projects' files: they stay in ../shared/fixtures beside the repository (or wherever
    AVASDK_FIXTURES points, a folder laid out like it) and are never committed. A spec that needs one calls
    Get-TestFixture; where the folder is absent it is skipped with one line saying which log is missing and how
    to provide it. With AVASDK_REQUIRE_FIXTURES=1 (CI) a missing log fails the spec instead, so nothing is skipped
    for want of fixtures there.

    A spec that only needs *a* Caffe log replays New-CaffeTestLog's, so it runs in any clone.
#>

$repositoryRoot = (Resolve-Path "$PSScriptRoot/../..").Path

function Get-TestFixtureRoot {
    if ($env:AVASDK_FIXTURES) { return $env:AVASDK_FIXTURES }
    Join-Path (Split-Path $repositoryRoot) 'shared/fixtures'
}

<#
.SYNOPSIS
    The full path of a real log (relative to the fixtures folder), or $null after marking the current It skipped.
.DESCRIPTION
    Call it first in an It: `$log = Get-TestFixture caffe/x.log; if (-not $log) { return }`.
    In BeforeAll or discovery (no It running), pass -NoSkip and skip later with Skip-WithoutFixture.
#>
function Get-TestFixture {
    param([Parameter(Mandatory)] [string] $Relative, [switch] $NoSkip)
    $path = Join-Path (Get-TestFixtureRoot) $Relative
    if (Test-Path -LiteralPath $path -PathType Leaf) { return (Resolve-Path -LiteralPath $path).Path }
    if (-not $NoSkip) { Skip-WithoutFixture $Relative }
    $null
}

<# Marks the running It skipped because a real log is missing (or fails it where fixtures are required). #>
function Skip-WithoutFixture {
    param([Parameter(Mandatory)] [string] $Relative)
    $root = Get-TestFixtureRoot
    $why = "it replays the real log '$Relative', which is not in '$root' (set AVASDK_FIXTURES to a folder laid out like ../shared/fixtures)"
    if ($env:AVASDK_REQUIRE_FIXTURES -eq '1') { throw "AVASDK_REQUIRE_FIXTURES is set and $why." }
    Set-ItResult -Skipped -Because $why
}

<#
.SYNOPSIS
    Writes a Caffe log of our own, laid out as Caffe 1.0's solver prints it, and returns its path.
.DESCRIPTION
    -Preamble lines of net set-up first (the cifar10 quick run prints 700 before its first metric), then
    iterations 0 to -Iterations (display every -Display, test every -TestInterval, with accuracy and loss), the
    lr line after each display, and a snapshot of the weights and solver state at the last iteration, which is
    the shape of the cifar10 quick run. The loss falls and the accuracy rises smoothly, so charts have curves.
    Counts: (Iterations/Display + 1) train losses and lr values, (Iterations/TestInterval + 1) test accuracies
    and test losses.
#>
function New-CaffeTestLog {
    param(
        [Parameter(Mandatory)] [string] $Path,
        [int] $Iterations = 4000,
        [int] $Display = 100,
        [int] $TestInterval = 500,
        [int] $Preamble = 700,
        [string] $SnapshotPrefix = 'examples/cifar10/cifar10_quick'
    )
    $culture = [Globalization.CultureInfo]::InvariantCulture
    $clock = [datetime]'2026-03-31T11:06:34'
    $lines = [Collections.Generic.List[string]]::new()
    function Stamp([string] $source, [string] $text) {
        $script:tick++
        $time = $clock.AddMilliseconds(3.3 * $script:tick).ToString('MMdd HH:mm:ss.ffffff', $culture)
        $lines.Add("I$time 24302 $source] $text")
    }
    function Number([double] $value) { $value.ToString('G6', $culture) }
    function TestNet([int] $iteration) {
        Stamp 'solver.cpp:337' "Iteration $iteration, Testing net (#0)"
        Stamp 'solver.cpp:404' "    Test net output #0: accuracy = $(Number (0.1 + 0.6 * (1 - [math]::Exp(-$iteration / 1200.0))))"
        $loss = Number (0.8 + 1.5 * [math]::Exp(-$iteration / 1000.0))
        Stamp 'solver.cpp:404' "    Test net output #1: loss = $loss (* 1 = $loss loss)"
    }
    $script:tick = 0
    for ($i = 1; $i -le $Preamble - 3; $i++) { Stamp 'net.cpp:150' "Setting up layer$i" }
    Stamp 'caffe.cpp:251' 'Starting Optimization'
    Stamp 'solver.cpp:279' 'Solving CIFAR10_quick'
    Stamp 'solver.cpp:280' 'Learning Rate Policy: fixed'
    for ($iteration = 0; $iteration -lt $Iterations; $iteration += $Display) {
        if ($iteration % $TestInterval -eq 0) { TestNet $iteration }
        $loss = Number (0.55 + 1.75 * [math]::Exp(-$iteration / 900.0) + 0.05 * [math]::Sin($iteration))
        Stamp 'solver.cpp:228' "Iteration $iteration, loss = $loss"
        Stamp 'solver.cpp:244' "    Train net output #0: loss = $loss (* 1 = $loss loss)"
        Stamp 'sgd_solver.cpp:106' "Iteration $iteration, lr = 0.001"
    }
    Stamp 'solver.cpp:464' "Snapshotting to HDF5 file $($SnapshotPrefix)_iter_$Iterations.caffemodel.h5"
    Stamp 'sgd_solver.cpp:283' "Snapshotting solver state to HDF5 file $($SnapshotPrefix)_iter_$Iterations.solverstate.h5"
    Stamp 'solver.cpp:317' "Iteration $Iterations, loss = $(Number 0.55)"
    TestNet $Iterations
    Stamp 'solver.cpp:322' 'Optimization Done.'
    Stamp 'caffe.cpp:254' 'Optimization Done.'
    [IO.File]::WriteAllLines($Path, $lines)
    $Path
}

Export-ModuleMember -Function Get-TestFixtureRoot, Get-TestFixture, Skip-WithoutFixture, New-CaffeTestLog
