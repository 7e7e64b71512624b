BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
    $script:saved = @{}
    foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET_DOMAIN', 'AVA_WORKSPACE') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:AVA_WORKSPACE = Join-Path $TestDrive 'no-workspace'
    $script:private = @{ Credential = $kodo.Credential; Domain = "$($kodo.Url)/download/data" }

    $source = Join-Path $TestDrive 'source'
    New-Item -ItemType Directory $source | Out-Null
    $script:big = New-TestFile "$source/train.rec" (9MB + 17)
    $script:small = New-TestFile "$source/labels.txt" 300 -Seed 3
    Send-AvaFile $big.FullName, $small.FullName -KeyPrefix 'sets/cifar/' -Bucket data -Credential $kodo.Credential -UploadHost $kodo.Url | Out-Null
}
AfterAll {
    Stop-TestKodo $kodo
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Receive-AvaFile' {
    BeforeEach {
        Reset-TestKodo $kodo
        $script:folder = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $folder | Out-Null
    }

    It 'downloads a qiniu:// URL through the bucket domain as a signed private URL, keeping the key''s name' {
        $file = Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' $folder @private
        $file | Should -BeOfType [System.IO.FileInfo]
        $file.FullName | Should -Be (Join-Path $folder 'train.rec')
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $big).Hash
        Get-ChildItem $folder -Force | Should -HaveCount 1
    }

    It 'accepts the platform''s qiniu://uid@zone/bucket/key form and a destination file name' {
        $file = Receive-AvaFile 'qiniu://1380001@z0/data/sets/cifar/labels.txt' "$folder/renamed.txt" @private
        $file.Name | Should -Be 'renamed.txt'
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
    }

    It 'downloads a name of <Bytes> bytes (NAME_MAX is 255), into a folder and to an explicit -Destination file' -ForEach @(
        @{ Bytes = 222 }, @{ Bytes = 255 }
    ) {
        # Two-byte characters too: the limit is in UTF-8 bytes, not characters.
        $name = ('é' * 20) + ('a' * ($Bytes - 44)) + '.bin'
        [Text.Encoding]::UTF8.GetByteCount($name) | Should -Be $Bytes
        # The test Kodo stores a key under a longer name of its own, so a plain web server answers every path with the file.
        $port = ([Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0) | ForEach-Object { $_.Start(); $_.LocalEndpoint.Port; $_.Stop() })
        $web = [Net.HttpListener]::new()
        $web.Prefixes.Add("http://127.0.0.1:$port/")
        $web.Start()
        $serving = Start-ThreadJob -ArgumentList $web, ([IO.File]::ReadAllBytes($small.FullName)) {
            param($web, $bytes)
            while ($web.IsListening) {
                try { $context = $web.GetContext() } catch { break }
                $context.Response.ContentLength64 = $bytes.Length
                $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                $context.Response.Close()
            }
        }
        try {
            $url = "http://127.0.0.1:$port/long/$([uri]::EscapeDataString($name))"
            $file = Receive-AvaFile $url $folder
            $file.FullName | Should -Be (Join-Path $folder $name)
            (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
            $chosen = (New-Item -ItemType Directory (Join-Path $folder 'chosen')).FullName
            $file = Receive-AvaFile $url (Join-Path $chosen $name)
            (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
            Get-ChildItem $folder -Recurse -Force | Should -HaveCount 3 -Because 'no partial or lock file is left'
        }
        finally {
            $web.Stop()
            $serving | Remove-Job -Force
        }
    }

    It 'downloads plain http URLs without credentials' {
        $file = Receive-AvaFile "$($kodo.Url)/public/data/sets/cifar/labels.txt" $folder
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
    }

    It 'signs an http URL on the bucket''s own domain when credentials are given' {
        $file = Receive-AvaFile "$($kodo.Url)/download/data/sets/cifar/labels.txt" $folder @private
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
    }

    It 'takes URIs from the pipeline by value and by the Uri or Url property, in parallel' {
        $files = @(
            [pscustomobject]@{ Url = "$($kodo.Url)/public/data/sets/cifar/labels.txt" }
            [pscustomobject]@{ Uri = 'qiniu://data/sets/cifar/train.rec' }
        ) | Receive-AvaFile -Destination "$folder/" @private
        $files.Name | Sort-Object | Should -Be @('labels.txt', 'train.rec')
        'qiniu://data/sets/cifar/labels.txt' | Receive-AvaFile -Destination "$folder/again/" @private | Should -Not -BeNullOrEmpty
    }

    It 'does not overwrite an existing file unless -Force' {
        Set-Content "$folder/labels.txt" 'mine'
        Receive-AvaFile 'qiniu://data/sets/cifar/labels.txt' $folder @private -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaDestinationExists,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content "$folder/labels.txt" | Should -Be 'mine'
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        $file = Receive-AvaFile 'qiniu://data/sets/cifar/labels.txt' $folder @private -Force
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
    }

    It 'resumes with Range after the connection drops mid-body' {
        Set-TestKodoFailure $kodo -Path '/download' -Drop -Count 1
        $output = Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' $folder @private -Verbose 4>&1
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Match 'Resuming qiniu://data/sets/cifar/train.rec at byte [1-9]'
        $file = $output | Where-Object { $_ -is [System.IO.FileInfo] }
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $big).Hash
        (Get-TestKodoStats $kodo).requests.download | Should -Be 2
    }

    It 'retries 503 and 599 and succeeds' {
        Set-TestKodoFailure $kodo -Path '/download' -Status 503 -Count 1
        Set-TestKodoFailure $kodo -Path '/download' -Status 599 -Count 1
        $file = Receive-AvaFile 'qiniu://data/sets/cifar/labels.txt' $folder @private
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $small).Hash
        (Get-TestKodoStats $kodo).requests.all | Should -Be 3
    }

    It 'leaves no file behind when every retry fails, and says why' {
        Set-TestKodoFailure $kodo -Path '/download' -Status 503 -Count 10
        Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' $folder @private -MaxRetry 1 -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaDownloadFailed,*'
        $errors[0].Exception.Message | Should -Match 'HTTP 503.*request id'
        $errors[0].Exception.Message | Should -Not -Match $kodo.SecretKey
        $errors[0].Exception.Message | Should -Match 'token=\*\*\*|qiniu://'
        Get-ChildItem $folder -Force | Should -BeNullOrEmpty
        (Get-TestKodoStats $kodo).requests.all | Should -Be 2
    }

    It 'reports a missing object without retrying, and goes on with the others' {
        $files = Receive-AvaFile 'qiniu://data/nope.bin', 'qiniu://data/sets/cifar/labels.txt' $folder @private -ErrorVariable errors -ErrorAction SilentlyContinue
        $files.Name | Should -Be 'labels.txt'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaRemoteFileNotFound,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        Test-Path "$folder/nope.bin" | Should -BeFalse
        (Get-TestKodoStats $kodo).requests.all | Should -Be 2
    }

    It 'is refused a private file without credentials' {
        Receive-AvaFile 'qiniu://data/sets/cifar/labels.txt' $folder -Domain "$($kodo.Url)/download/data" -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaStorageAccessDenied,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
    }

    It 'rejects what it cannot download with a clear error' {
        Receive-AvaFile 'ftp://host/file' $folder -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaUriInvalid,*'
        Receive-AvaFile 'qiniu://data/sets/cifar/labels.txt' $folder -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaDomainNotFound,*'
        $errors[0].ErrorDetails.Message | Should -BeLike '*AVA_BUCKET_DOMAIN*-Domain*'
        Receive-AvaFile 'qiniu://data/sets/cifar/labels.txt', 'qiniu://data/sets/cifar/train.rec' "$folder/one.bin" @private -ErrorVariable errors -ErrorAction SilentlyContinue | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaDestinationConflict,*'
    }

    It 'stops promptly on Ctrl+C and leaves no partial file' {
        Set-TestKodoFailure $kodo -Path '/download' -DelayMs 5000 -Count 1
        $state = [initialsessionstate]::CreateDefault()
        $state.ImportPSModule((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)
        $shell = [powershell]::Create($state)
        $null = $shell.AddCommand('Receive-AvaFile').AddParameter('Uri', 'qiniu://data/sets/cifar/train.rec').AddParameter('Destination', $folder).AddParameter('Credential', $kodo.Credential).AddParameter('Domain', $private.Domain)
        $null = $shell.BeginInvoke()
        Start-Sleep -Milliseconds 700
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $shell.Stop()
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
        $shell.Dispose()
        Get-ChildItem $folder -Force | Should -BeNullOrEmpty
    }
}

Describe 'Receive-AvaFile after its process was killed' {
    It 'leaves no partial file once the same download is tried again' {
        $folder = (New-Item -ItemType Directory (Join-Path $TestDrive 'killed')).FullName
        Reset-TestKodo $kodo
        Set-TestKodoStall $kodo -Ms 600000 -Path '/download' -Count 1
        $key = $kodo.Credential.GetNetworkCredential()
        $script = Join-Path $folder 'download.ps1'
        Set-Content $script ("Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; " +
            "`$credential = [pscredential]::new('$($key.UserName)', (ConvertTo-SecureString '$($key.Password)' -AsPlainText -Force)); " +
            "Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' '$folder/' -Credential `$credential -Domain '$($private.Domain)' -TimeoutSec 600")
        Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
        $pwsh = Start-ChildPwsh $script
        try {
            # The server stalls after half the body: wait until that half is on disk, then kill -9.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Get-ChildItem $folder -Force -Filter '*.avasdk-partial' | Where-Object Length -ge 4MB) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            Get-ChildItem $folder -Force -Filter '*.avasdk-partial' | Should -Not -BeNullOrEmpty
            Stop-Process -Id $pwsh.Id -Force
            $pwsh.WaitForExit()
        } finally {
            if (-not $pwsh.HasExited) { $pwsh.Kill() }
        }

        Reset-TestKodo $kodo
        $file = Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' "$folder/" @private
        (Get-FileHash $file.FullName).Hash | Should -Be (Get-FileHash $big.FullName).Hash
        Get-ChildItem $folder -Force -Filter '*.avasdk-partial' | Should -BeNullOrEmpty
    }
}

Describe 'Receive-AvaFile twice at once' {
    It 'refuses a second download of the same source into the same file while the first runs, which completes whole' {
        $folder = (New-Item -ItemType Directory (Join-Path $TestDrive 'twice')).FullName
        Reset-TestKodo $kodo
        # The first download's answer comes 2 s late: the second starts meanwhile, in another runspace of this process.
        Set-TestKodoFailure $kodo -Path '/download' -Method GET -DelayMs 2000 -Count 1
        $first = [powershell]::Create().AddScript("Import-Module '$((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)'; Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' '$folder/' -Credential `$args[0] -Domain '$($private.Domain)'").AddArgument($kodo.Credential)
        $running = $first.BeginInvoke()
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (-not (Get-ChildItem $folder -Force -Filter '*.avasdk-partial.lock') -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
        $err = { Receive-AvaFile 'qiniu://data/sets/cifar/train.rec' "$folder/" @private -ErrorAction Stop } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaDownloadBusy,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceBusy'
        $file = $first.EndInvoke($running)
        $first.Streams.Error | Should -BeNullOrEmpty
        (Get-FileHash $file.FullName).Hash | Should -Be (Get-FileHash $big.FullName).Hash
        (Get-ChildItem $folder -Force).Name | Should -Be 'train.rec' -Because 'no partial or lock file is left'
        $first.Dispose()
    }
}

Describe 'Receive-AvaFile with hostile names' {
    # Each key exists in the bucket, so code that trusted the name would really write where it points. An http(s) URL
    # is also tried where Uri parsing keeps the name hostile ('%5C' and '/%2E%2E' it resolves into a plain path itself).
    BeforeDiscovery {
        $script:hostileKeys = @(
            @{ Key = '..%2Fvictim.txt'; Http = $true }, @{ Key = '..%2F..%2Fvictim.txt'; Http = $true }, @{ Key = '%2E%2E%2Fvictim.txt'; Http = $true },
            @{ Key = 'ABSOLUTE'; Http = $true }, @{ Key = '..%5Cvictim.txt'; Http = $false }, @{ Key = 'x/%2E%2E'; Http = $false },
            @{ Key = 'victim%00.txt'; Http = $true }, @{ Key = 'vic%0Atim.txt'; Http = $true }, @{ Key = 'CON'; Http = $true },
            @{ Key = 'nul.txt'; Http = $true }, @{ Key = 'com1.log'; Http = $true }
        )
    }
    BeforeAll {
        $script:sandbox = Join-Path $TestDrive 'hostile'
        $script:absolute = Join-Path $sandbox 'absolute-victim.txt'
        $script:payload = New-TestFile (Join-Path $TestDrive 'payload.bin') 64 -Seed 7
    }
    BeforeEach {
        Remove-Item $sandbox -Recurse -Force -ErrorAction Ignore
        $script:destination = Join-Path $sandbox 'a/dest'
        New-Item -ItemType Directory $destination | Out-Null
        foreach ($victim in "$sandbox/victim.txt", "$sandbox/a/victim.txt", $absolute) { Set-Content $victim 'mine' }
    }

    It 'refuses the key <Key> before writing a byte' -ForEach $hostileKeys {
        $name = if ($Key -eq 'ABSOLUTE') { [uri]::EscapeDataString($absolute) } else { $Key }
        Send-AvaFile $payload.FullName -Key $name -Bucket data -Credential $kodo.Credential -UploadHost $kodo.Url -Force | Out-Null
        Reset-TestKodo $kodo
        $urls = @("qiniu://data/$name") + @(if ($Http) { "$($kodo.Url)/public/data/$name" })
        Receive-AvaFile $urls "$destination/" @private -Force -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors | Should -HaveCount $urls.Count
        foreach ($record in $errors) {
            $record.FullyQualifiedErrorId | Should -BeLike 'AvaDownloadNameUnsafe,*'
            $record.CategoryInfo.Category | Should -Be 'SecurityError'
            $record.Exception.Message | Should -Not -BeLike '*-Destination*' -Because 'the core names no parameter'
            $record.ErrorDetails.Message | Should -BeLike '*-Destination*' -Because 'Receive-AvaFile adds its hint'
        }
        Get-ChildItem $destination -Force | Should -BeNullOrEmpty
        Get-ChildItem $sandbox -Recurse -File -Force | ForEach-Object { Get-Content $_.FullName -Raw } | Should -Be (@("mine$([Environment]::NewLine)") * 3)
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
    }

    It 'uses an explicit file -Destination as it is, whatever the key is called' {
        Send-AvaFile $payload.FullName -Key 'sets/CON' -Bucket data -Credential $kodo.Credential -UploadHost $kodo.Url -Force | Out-Null
        $file = Receive-AvaFile 'qiniu://data/sets/CON' "$destination/chosen.bin" @private
        $file.FullName | Should -Be (Join-Path $destination 'chosen.bin')
        (Get-FileHash $file).Hash | Should -Be (Get-FileHash $payload).Hash
    }
}
