<# Child processes for the specs that kill, signal or race a real pwsh: start one, wait for something, see what still runs. #>

function Start-ChildPwsh {
    <# Runs a script file in a child pwsh of this installation (under 'dotnet pwsh', pwsh.dll is dotnet's argument); its output is redirected. #>
    param([Parameter(Mandatory)] [string] $Script)
    # Through env, which execs pwsh in place (same pid) with SIGINT at its default: a test run started as a background
    # job inherits SIGINT ignored, .NET keeps an ignored SIGINT ignored, and a spec that sends it would then wait in vain.
    $info = [Diagnostics.ProcessStartInfo]::new('env')
    foreach ($argument in '--default-signal=INT', [Environment]::ProcessPath) { $info.ArgumentList.Add($argument) }
    if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
    foreach ($argument in '-NoProfile', '-NonInteractive', '-File', $Script) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($info)
    # Read both streams as they come, so a chatty child never blocks on a full pipe.
    $process | Add-Member -NotePropertyName Output -NotePropertyValue $process.StandardOutput.ReadToEndAsync()
    $process | Add-Member -NotePropertyName Errors -NotePropertyValue $process.StandardError.ReadToEndAsync()
    $process
}

function Invoke-ChildScript {
    <# Runs a script as a user runs it (its own pwsh, $ErrorActionPreference at its default) and returns its output and errors as text. #>
    param([Parameter(Mandatory)] [string] $Path)
    $process = [Environment]::ProcessPath
    $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
    & $process @prefix -NoProfile -NonInteractive -File $Path 2>&1 | ForEach-Object { "$_" }
}

function Test-Running {
    <# True while the process runs: an ended one may linger as a zombie until its parent (init, for an orphan) reaps it. #>
    param([Parameter(Mandatory)] [int] $ProcessId)
    $stat = "/proc/$ProcessId/stat"
    (Test-Path $stat) -and ((Get-Content $stat -Raw -ErrorAction Ignore) -replace '^.*\) ', '') -notmatch '^[ZX]'
}

function Wait-Until {
    <# Polls the condition every 100 ms for at most the given seconds; returns its last value. A bound, not a timing. #>
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $Seconds = 60)
    $clock = [Diagnostics.Stopwatch]::StartNew()
    while (-not (& $Condition) -and $clock.Elapsed.TotalSeconds -lt $Seconds) { Start-Sleep -Milliseconds 100 }
    [bool](& $Condition)
}

Export-ModuleMember -Function Start-ChildPwsh, Invoke-ChildScript, Test-Running, Wait-Until
