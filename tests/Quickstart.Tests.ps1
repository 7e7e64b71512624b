Describe 'examples/quickstart.ps1' {
    It 'runs a whole job end to end in a child pwsh: parameters, streamed metrics, snapshots, completion' {
        $workspace = Join-Path $TestDrive 'quickstart'
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $pwsh @prefix -NoProfile -NonInteractive -File "$PSScriptRoot/../examples/quickstart.ps1" -Workspace $workspace 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $text = $output | Out-String
        $text | Should -Match 'lr=0.01 \(Double\), iterations=300 \(Int64\), batch=8'
        $text | Should -Match 'iteration  300  loss 0\.\d{4}'
        $run = Get-ChildItem (Join-Path $workspace 'run') -Directory
        (Get-Content (Join-Path $run.FullName 'status.json') -Raw | ConvertFrom-Json).status | Should -Be 'done'
        $metrics = Get-Content (Join-Path $run.FullName 'metrics.jsonl') | ConvertFrom-Json
        @($metrics | Where-Object { $_.name -eq 'loss' -and $_.phase -eq 'Train' }).Count | Should -Be 16
        @($metrics | Where-Object { $_.name -eq 'output:loss' -and $_.phase -eq 'Train' }).Count | Should -Be 16
        @($metrics | Where-Object { $_.name -eq 'accuracy' -and $_.phase -eq 'Test' }).Count | Should -Be 4
        (Get-ChildItem (Join-Path $run.FullName 'output')).Name | Sort-Object | Should -Be @(
            'quick_iter_100.caffemodel', 'quick_iter_100.solverstate', 'quick_iter_200.caffemodel', 'quick_iter_200.solverstate',
            'quick_iter_300.caffemodel', 'quick_iter_300.solverstate')
    }
}
