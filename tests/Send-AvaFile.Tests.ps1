BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
    $script:saved = @{}
    foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_WORKSPACE', 'AVA_RESUME_DIR') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $env:AVA_WORKSPACE = Join-Path $TestDrive 'no-workspace'
    $script:to = @{ Bucket = 'models'; Credential = $kodo.Credential; UploadHost = $kodo.Url }
}
AfterAll {
    Stop-TestKodo $kodo
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Send-AvaFile' {
    BeforeEach {
        Reset-TestKodo $kodo
        $script:folder = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $folder | Out-Null
    }

    It 'sends a small file in one form upload and returns what Kodo stored' {
        $file = New-TestFile "$folder/weights.bin" 1000
        $stored = Send-AvaFile $file.FullName -Key 'run1/weights.bin' @to
        $stored.PSTypeNames[0] | Should -Be 'AvaSdk.StoredObject'
        $stored.Bucket | Should -Be 'models'
        $stored.Key | Should -Be 'run1/weights.bin'
        $stored.Size | Should -Be 1000
        $stored.Path | Should -Be $file.FullName
        $server = Get-TestKodoObject $kodo models 'run1/weights.bin'
        $stored.Hash | Should -Be $server.hash
        $server.size | Should -Be 1000
        (Get-TestKodoStats $kodo).requests.form | Should -Be 1
    }

    It 'takes files from Get-ChildItem and keys them by name under -KeyPrefix' {
        New-TestFile "$folder/a.txt" 10 | Out-Null
        New-TestFile "$folder/b.txt" 20 -Seed 2 | Out-Null
        $stored = Get-ChildItem $folder | Send-AvaFile -KeyPrefix 'run1/' @to
        $stored.Key | Sort-Object | Should -Be @('run1/a.txt', 'run1/b.txt')
        (Get-TestKodoObject $kodo models 'run1/b.txt').size | Should -Be 20
    }

    It 'sends a large file in parallel multipart parts, checks the hash and leaves no resume record' {
        $file = New-TestFile "$folder/model.params" (10MB + 3)
        $stored = Send-AvaFile $file.FullName @to
        $stats = Get-TestKodoStats $kodo
        $stats.requests.init | Should -Be 1
        $stats.requests.part | Should -Be 3
        $stats.requests.complete | Should -Be 1
        $stored.Hash | Should -Be (Get-TestKodoObject $kodo models 'model.params').hash
        $stored.Hash | Should -BeLike 'l*'
        Get-ChildItem $folder -Force -Filter '*.avasdk-upload' | Should -BeNullOrEmpty
    }

    It 'agrees with Kodo on the etagV2 hash when parts are not 4 MiB' {
        $file = New-TestFile "$folder/model.params" (3MB + 5)
        $stored = Send-AvaFile $file.FullName -Key 'etagv2.params' -PartSize 1MB @to
        (Get-TestKodoStats $kodo).requests.part | Should -Be 4
        $stored.Hash | Should -BeLike 'n*'
        $stored.Hash | Should -Be (Get-TestKodoObject $kodo models 'etagv2.params').hash
    }

    It 'sends nothing with -WhatIf and says what it would send where' {
        $file = New-TestFile "$folder/w.bin" 10
        # What-if messages go to the host, so a transcript is what sees them.
        $transcript = Join-Path $folder 'transcript.txt'
        Start-Transcript -Path $transcript | Out-Null
        try { Send-AvaFile $file.FullName -KeyPrefix 'p/' -WhatIf @to } finally { Stop-Transcript | Out-Null }
        Get-Content $transcript -Raw | Should -BeLike "*What if:*Send to qiniu://models/p/w.bin*$($file.FullName) (10 bytes)*"
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Get-TestKodoObject $kodo models 'p/w.bin' | Should -BeNullOrEmpty
    }

    It 'refuses to overwrite other content unless -Force' {
        New-TestFile "$folder/v1.bin" 100 | Out-Null
        New-TestFile "$folder/v2.bin" 100 -Seed 7 | Out-Null
        Send-AvaFile "$folder/v1.bin" -Key same.bin @to | Out-Null
        Send-AvaFile "$folder/v2.bin" -Key same.bin @to -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaObjectExists,*'
        $errors[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $errors[0].ErrorDetails.Message | Should -BeLike '*-Force*'
        $stored = Send-AvaFile "$folder/v2.bin" -Key same.bin -Force @to
        (Get-TestKodoObject $kodo models same.bin).hash | Should -Be $stored.Hash
    }

    It 'retries 503 and 599 answers and dropped connections, then succeeds' {
        $file = New-TestFile "$folder/big.bin" (9MB)
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -Status 503 -Count 2
        Set-TestKodoFailure $kodo -Path '/buckets' -Method POST -Status 599 -Count 1
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -Drop -Count 1
        $stored = Send-AvaFile $file.FullName @to -Verbose 4>&1 | Tee-Object -Variable output | Where-Object { $_ -is [AvaSdk.StoredObject] }
        $stored.Hash | Should -Be (Get-TestKodoObject $kodo models big.bin).hash
        ($output | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like '*trying again*' }).Count | Should -BeGreaterOrEqual 4
    }

    It 'gives up after -MaxRetry and names the bucket, key, status and request id' {
        $file = New-TestFile "$folder/f.bin" 10
        Set-TestKodoFailure $kodo -Path '/' -Method POST -Status 503 -Count 10
        Send-AvaFile $file.FullName -MaxRetry 1 @to -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaUploadFailed,*'
        $errors[0].Exception.Message | Should -Match "bucket 'models'.*'f.bin'.*HTTP 503.*request id \w+"
        (Get-TestKodoStats $kodo).requests.all | Should -Be 2
    }

    It 'does not retry a refused token, and never shows the secret key' {
        $file = New-TestFile "$folder/f.bin" 10
        $wrong = [pscredential]::new($kodo.AccessKey, (ConvertTo-SecureString 'wrong-secret-value' -AsPlainText -Force))
        $output = Send-AvaFile $file.FullName -Bucket models -Credential $wrong -UploadHost $kodo.Url -Verbose -ErrorVariable errors -ErrorAction SilentlyContinue 4>&1 | Out-String
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaStorageAccessDenied,*'
        $errors[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        (Get-TestKodoStats $kodo).requests.form | Should -Be 1
        "$output $($errors[0]) $($errors[0].Exception)" | Should -Not -Match 'wrong-secret-value'
    }

    It 'reads credentials and bucket from the environment and from the workspace''s config/user file' {
        $file = New-TestFile "$folder/f.bin" 10
        $env:AVA_ACCESS_KEY = $kodo.AccessKey; $env:AVA_SECRET_KEY = $kodo.SecretKey; $env:AVA_BUCKET = 'envbucket'; $env:AVA_UP_HOST = $kodo.Url
        try { (Send-AvaFile $file.FullName).Bucket | Should -Be 'envbucket' }
        finally { $env:AVA_ACCESS_KEY = $null; $env:AVA_SECRET_KEY = $null; $env:AVA_BUCKET = $null }
        $workspace = Join-Path $folder 'ws'
        New-Item -ItemType Directory "$workspace/config" | Out-Null
        @{ key = $kodo.AccessKey; secret = $kodo.SecretKey; bucket = 'userbucket' } | ConvertTo-Json | Set-Content "$workspace/config/user"
        $env:AVA_WORKSPACE = $workspace
        try { (Send-AvaFile $file.FullName).Bucket | Should -Be 'userbucket' }
        finally { $env:AVA_WORKSPACE = Join-Path $TestDrive 'no-workspace'; $env:AVA_UP_HOST = $null }
    }

    It 'says where to put credentials and bucket when there are none' {
        $file = New-TestFile "$folder/f.bin" 10
        { Send-AvaFile $file.FullName -UploadHost $kodo.Url -Credential $kodo.Credential } | Should -Throw -ErrorId 'AvaBucketNotFound,*'
        $err = { Send-AvaFile $file.FullName -Bucket models -UploadHost $kodo.Url } | Should -Throw -ErrorId 'AvaCredentialNotFound,*' -PassThru
        $err.Exception.Message | Should -BeLike '*AVA_ACCESS_KEY*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'names every missing setting at once when nothing is configured, and where the config file is' {
        $file = New-TestFile "$folder/f.bin" 10
        $err = { Send-AvaFile $file.FullName } | Should -Throw -ErrorId 'AvaConfigMissing,*' -PassThru
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        foreach ($setting in 'AVA_BUCKET', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', (Join-Path $env:AVA_WORKSPACE 'config/user')) {
            $err.Exception.Message | Should -Match ([regex]::Escape($setting))
        }
        $err.ErrorDetails.Message | Should -Match '-Bucket and -Credential'
        $err.ErrorDetails.Message | Should -Not -Match '<\w+>' -Because 'a message fills in what it knows'
    }

    It 'quotes a short summary of an HTML error page, without its markup' {
        $page = '<!DOCTYPE html><html><head><title>404 Not Found</title><style>body { color: red }</style></head><body><h1>Not Found</h1>' +
            '<p>The requested URL was not found on this server.</p>' + ('<p>More &amp; more of the page.</p>' * 60) + '</body></html>'
        Set-TestKodoFailure $kodo -Path '/' -Method POST -Status 404 -Body $page
        $file = New-TestFile "$folder/f.bin" 10
        Send-AvaFile $file.FullName @to -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $message = $errors[0].Exception.Message
        $message | Should -Match 'HTTP 404: 404 Not Found Not Found The requested URL was not found on this server\. More & more'
        $message | Should -Not -Match '[<>]|color'
        $message.Length | Should -BeLessThan 400
    }

    It 'says a 200 whose body is not JSON is not what Kodo answers with' {
        Set-TestKodoFailure $kodo -Path '/' -Method POST -Status 200 -Body 'OK' -ContentType 'text/plain'
        $file = New-TestFile "$folder/f.bin" 10
        Send-AvaFile $file.FullName @to -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errors[0].Exception.Message | Should -Match 'HTTP 200: the answer is not the JSON Kodo answers with: OK'
        $errors[0].Exception.Message | Should -Not -Match 'hash'
    }

    It 'names the folder it was given in the command to send a folder''s files' {
        Send-AvaFile $folder @to -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaPathIsFolder,*'
        $errors[0].Exception.Message | Should -BeLike "*Get-ChildItem '$folder' -File -Recurse | Send-AvaFile -KeyPrefix '$(Split-Path $folder -Leaf)/'"
    }

    It 'reports a missing file and still sends the others' {
        New-TestFile "$folder/ok.bin" 10 | Out-Null
        $stored = Send-AvaFile "$folder/missing.bin", "$folder/ok.bin" @to -ErrorVariable errors -ErrorAction SilentlyContinue
        $stored.Key | Should -Be 'ok.bin'
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaFileNotFound,*'
    }

    Context 'resume' {
        BeforeAll {
            # Runs Send-AvaFile in its own runspace so the spec can stop it the way Ctrl+C does.
            function Start-Send([string] $Path, [hashtable] $Extra) {
                $state = [initialsessionstate]::CreateDefault()
                $state.ImportPSModule((Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path)
                $shell = [powershell]::Create($state)
                $null = $shell.AddCommand('Send-AvaFile').AddParameter('Path', $Path)
                foreach ($pair in ($to + $Extra).GetEnumerator()) { $null = $shell.AddParameter($pair.Key, $pair.Value) }
                [pscustomobject]@{ Shell = $shell; Handle = $shell.BeginInvoke() }
            }
        }

        It 'sends only the missing parts after Ctrl+C, and the stored object is whole' {
            $file = New-TestFile "$folder/checkpoint.params" (12MB)
            Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 300 -Count 100
            $run = Start-Send $file.FullName @{ PartSize = 1MB; ThrottleLimit = 1 }
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-TestKodoStats $kodo).parts.Count -lt 3 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $run.Shell.Stop()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 5
            $run.Shell.Streams.Progress.Activity | Should -Contain 'Send-AvaFile'
            $run.Shell.Dispose()
            $record = Get-ChildItem $folder -Force -Filter '*.avasdk-upload'
            $record | Should -Not -BeNullOrEmpty
            $sentBefore = @((Get-Content $record.FullName -Raw | ConvertFrom-Json).parts.n)
            $sentBefore.Count | Should -BeGreaterOrEqual 3
            Get-TestKodoObject $kodo models checkpoint.params | Should -BeNullOrEmpty

            Reset-TestKodo $kodo
            $stored = Send-AvaFile $file.FullName -PartSize 1MB @to
            $sentAfter = @((Get-TestKodoStats $kodo).parts)
            $sentAfter.Count | Should -Be (12 - $sentBefore.Count)
            $sentAfter | Where-Object { $_ -in $sentBefore } | Should -BeNullOrEmpty
            (Get-TestKodoStats $kodo).requests.init | Should -BeNullOrEmpty
            $stored.Hash | Should -Be (Get-TestKodoObject $kodo models checkpoint.params).hash
            Get-ChildItem $folder -Force -Filter '*.avasdk-upload' | Should -BeNullOrEmpty
        }

        It 'starts over when the file changed with the same size and time, and returns the hash of the file as it is now' {
            $file = New-TestFile "$folder/rewritten.params" (6MB)
            $written = (Get-Item $file.FullName).LastWriteTimeUtc
            Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 300 -Count 100
            $run = Start-Send $file.FullName @{ PartSize = 1MB; ThrottleLimit = 1 }
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-TestKodoStats $kodo).parts.Count -lt 2 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            $run.Shell.Stop(); $run.Shell.Dispose()
            Get-ChildItem $folder -Force -Filter '*.avasdk-upload' | Should -Not -BeNullOrEmpty
            # The first part, already sent, is rewritten in place; size and modification time are put back as they were.
            $stream = [IO.File]::OpenWrite($file.FullName)
            try { $stream.Write([byte[]]::new(1000), 0, 1000) } finally { $stream.Dispose() }
            [IO.File]::SetLastWriteTimeUtc($file.FullName, $written)

            Reset-TestKodo $kodo
            $stored = Send-AvaFile $file.FullName -PartSize 1MB @to -WarningAction SilentlyContinue
            (Get-TestKodoStats $kodo).requests.init | Should -Be 1
            # etagV2 of 1 MiB parts, computed by Python's hashlib from the file as it is now.
            $expected = Get-IndependentEtagV2 $file.FullName
            $stored.Hash | Should -Be $expected
            (Get-TestKodoObject $kodo models rewritten.params).hash | Should -Be $expected
        }

        It 'refuses a second upload of the same file to the same key while the first runs, which still succeeds' {
            $file = New-TestFile "$folder/shared.params" (5MB)
            Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 300 -Count 100
            $run = Start-Send $file.FullName @{ PartSize = 1MB; ThrottleLimit = 1 }
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while ((Get-TestKodoStats $kodo).parts.Count -lt 1 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            Send-AvaFile $file.FullName -PartSize 1MB @to -ErrorVariable errors -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errors | Should -HaveCount 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaUploadBusy,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ResourceBusy'
            $stored = $run.Shell.EndInvoke($run.Handle)
            $run.Shell.Streams.Error | Should -BeNullOrEmpty
            $run.Shell.Dispose()
            $stored.Hash | Should -Be (Get-TestKodoObject $kodo models shared.params).hash
            Get-ChildItem $folder -Force -Filter '*.avasdk-upload*' | Should -BeNullOrEmpty
        }

        It 'starts over cleanly when Kodo no longer knows the uploadId (612)' {
            $file = New-TestFile "$folder/restart.params" (6MB)
            $env:AVA_RESUME_DIR = Join-Path $folder 'records'
            New-Item -ItemType Directory $env:AVA_RESUME_DIR | Out-Null
            try {
                Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 300 -Count 100
                $run = Start-Send $file.FullName @{ PartSize = 1MB; ThrottleLimit = 1 }
                while ((Get-TestKodoStats $kodo).parts.Count -lt 2) { Start-Sleep -Milliseconds 50 }
                $run.Shell.Stop(); $run.Shell.Dispose()
                $record = Get-ChildItem $env:AVA_RESUME_DIR -Force -Filter '*.avasdk-upload'
                $record | Should -Not -BeNullOrEmpty
                $state = Get-Content $record.FullName -Raw | ConvertFrom-Json
                $state.uploadId = 'forgotten'
                $state | ConvertTo-Json -Depth 5 -Compress | Set-Content $record.FullName

                Reset-TestKodo $kodo
                $output = Send-AvaFile $file.FullName -PartSize 1MB @to -Verbose 4>&1
                ($output | Where-Object { $_ -is [System.Management.Automation.WarningRecord] -or $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -BeLike '*no longer knows upload forgotten*'
                $stored = $output | Where-Object { $_ -is [AvaSdk.StoredObject] }
                $stored.Hash | Should -Be (Get-TestKodoObject $kodo models restart.params).hash
                (Get-TestKodoStats $kodo).requests.init | Should -Be 1
                Get-ChildItem $env:AVA_RESUME_DIR -Force | Should -BeNullOrEmpty
            }
            finally { $env:AVA_RESUME_DIR = $null }
        }
    }
}
