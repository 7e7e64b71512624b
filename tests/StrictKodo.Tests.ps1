BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    $script:saved = @{}
    foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_BUCKET_DOMAIN', 'AVA_UC_HOST', 'AVA_WORKSPACE', 'AVA_RESUME_DIR') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    # tests/oracles/strict_kodo.py shares no code with the module nor with the C# test server: Python's own HMAC, zlib and hashlib.
    $info = [System.Diagnostics.ProcessStartInfo]::new('python3')
    foreach ($argument in "$PSScriptRoot/oracles/strict_kodo.py", 'py-ak', 'py-sk', 'strict') { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $script:python = [System.Diagnostics.Process]::Start($info)
    $first = $python.StandardOutput.ReadLineAsync()
    if (-not $first.Wait(20000) -or $first.Result -notmatch '^listening (http://\S+)$') { throw "strict_kodo.py did not start: '$($first.Result)'" }
    $script:url = $Matches[1]
    $env:AVA_UC_HOST = $url
    $env:AVA_WORKSPACE = Join-Path $TestDrive 'no-workspace'
    $script:credential = [pscredential]::new('py-ak', (ConvertTo-SecureString 'py-sk' -AsPlainText -Force))
}
AfterAll {
    if ($python) { $python.Kill(); $python.WaitForExit(5000) | Out-Null }
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Against an independent strict Kodo server (Python)' {
    It 'finds the hosts by the region query, form-uploads with Content-Length and crc32, and downloads qiniu:// signed from io_src' {
        $file = New-TestFile (Join-Path $TestDrive 'solver.state') 3000 -Seed 11
        $stored = Send-AvaFile $file.FullName -Key 'run/solver.state' -Bucket strict -Credential $credential
        $stored.Key | Should -Be 'run/solver.state'
        # The server's own qetag, from Python's hashlib, is what the module reports.
        $stored.Hash | Should -Be (python3 -c "import base64,hashlib,sys; print(base64.urlsafe_b64encode(b'\x16'+hashlib.sha1(open(sys.argv[1],'rb').read()).digest()).decode())" $file.FullName)

        $folder = New-Item -ItemType Directory (Join-Path $TestDrive 'down')
        $received = Receive-AvaFile 'qiniu://strict/run/solver.state' "$folder/" -Credential $credential
        (Get-FileHash $received.FullName).Hash | Should -Be (Get-FileHash $file.FullName).Hash

        $lines = Invoke-RestMethod "$url/_requests" | ForEach-Object { $_ }
        $lines | Where-Object { $_ -like 'GET /v4/query*' } | Should -Not -BeNullOrEmpty
        $lines | Should -Contain 'POST / 200 fields=key,token,crc32,file'
        $lines | Where-Object { $_ -match '^GET /run/solver\.state\?e=\d+&token=py-ak:\S+ 200$' } | Should -HaveCount 1
        $lines | Where-Object { $_ -match ' (4\d\d|5\d\d|6\d\d)$' } | Should -BeNullOrEmpty
    }
}
