# A session that already uses another version of one of AvaSdk's libraries keeps it, and AvaSdk keeps its own: the
# module's libraries load in a context of their own (src/AvaSdk.Loader). Each case runs in a fresh pwsh, as a profile
# or another module would have loaded the other version before AvaSdk.
BeforeAll {
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    $script:manifest = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    $packages = ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    # Downloaded by tests/tools/TestTools.csproj with Pester.
    $script:serilog2 = Join-Path $packages 'serilog/2.10.0/lib/netstandard2.0/Serilog.dll'
}

Describe 'AvaSdk beside other versions of its libraries' {
    It 'trains and logs with its Serilog 4 while the session goes on with the Serilog 2.10 it loaded first' {
        $serilog2 | Should -Exist -Because 'tests/tools/TestTools.csproj downloads it'
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive 'ws')).FullName
        $script = Join-Path $TestDrive 'session.ps1'
        Set-Content $script @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$serilog2'
`$before = [Serilog.ILogger].Assembly.GetName().Version.ToString()
([Serilog.LoggerConfiguration]::new()).CreateLogger().Information('the session logs with its own Serilog')
Import-Module '$manifest'
foreach (`$name in 'AVA_API_HOST', 'AVA_METRICS_URL', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET') { Remove-Item "env:`$name" -ErrorAction Ignore }
`$env:AVA_WORKSPACE = '$workspace'
`$train = New-AvaTrainInstance -Id isolated
`$metrics = @(Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 100, loss = 0.5" >&2' -Framework Caffe)
Complete-AvaTrainInstance `$train
([Serilog.LoggerConfiguration]::new()).CreateLogger().Information('and still does')
[pscustomobject]@{
    Before  = `$before
    After   = [Serilog.ILogger].Assembly.GetName().Version.ToString()
    Metrics = `$metrics.Count
    Loaded  = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'Serilog' } |
        ForEach-Object { "`$(`$_.GetName().Version) in `$([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name)" } | Sort-Object)
} | ConvertTo-Json -Compress
"@
        $output = @(Invoke-ChildScript $script)
        $result = $output[-1] | ConvertFrom-Json
        $result.Before | Should -Be '2.0.0.0' -Because "the session said: $output"
        $result.After | Should -Be '2.0.0.0' -Because 'the session still resolves its own Serilog'
        $result.Metrics | Should -Be 1
        $result.Loaded | Should -Be @('2.0.0.0 in Default', '4.4.0.0 in AvaSdk')
        Get-Content "$workspace/run/isolated/logs/ava.log" -Raw | Should -Match 'Training instance isolated is done'
    }
}
