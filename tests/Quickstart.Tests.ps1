Describe 'examples/quickstart.ps1' {
    It 'runs end to end in a child pwsh and completes its instance' {
        $workspace = Join-Path $TestDrive 'quickstart'
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $pwsh @prefix -NoProfile -NonInteractive -File "$PSScriptRoot/../examples/quickstart.ps1" -Workspace $workspace 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        ($output | Out-String) | Should -Match 'lr=0.01 \(Double\), epochs=3 \(Int64\), batch=8'
        $status = Get-ChildItem (Join-Path $workspace 'run') -Directory | ForEach-Object { Get-Content (Join-Path $_.FullName 'status.json') -Raw | ConvertFrom-Json }
        $status.status | Should -Be 'done'
        (Get-ChildItem (Join-Path $workspace 'run/*/output/*')).Count | Should -Be 3
    }
}
