BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestStoredObjects.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    $script:module = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    $script:kodoFolder = Join-Path $TestDrive 'kodo'
    $script:kodo = Start-TestKodo -Folder $kodoFolder
    $script:saved = @{}
    foreach ($name in 'AVA_WORKSPACE', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_API_HOST', 'AVA_METRICS_URL', 'AVA_TRAINING_NAME', 'AVA_TRAINING_INSTANCE_ID', 'AVA_RESUME_DIR', 'JOB_NAME') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    # A workspace whose config/user holds the job's credentials and a new bucket ($bucket); with -Platform, config/worker names the API.
    function New-Workspace([switch] $Platform, [string] $SecretKey = $kodo.SecretKey) {
        $workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory "$workspace/config", "$workspace/params" | Out-Null
        # A bucket of its own: the server keeps objects from spec to spec.
        $script:bucket = 'models-' + [guid]::NewGuid().ToString('N').Substring(0, 12)
        @{ uid = 1380001; key = $kodo.AccessKey; secret = $SecretKey; bucket = $bucket } | ConvertTo-Json | Set-Content "$workspace/config/user"
        if ($Platform) {
            @{ atnet_apiserver_host = $kodo.Url; atnet_status_host = $kodo.Url } | ConvertTo-Json | Set-Content "$workspace/config/worker"
            @{ name = 'cifar-train' } | ConvertTo-Json | Set-Content "$workspace/config/trainingspec"
        }
        $workspace
    }
    # Files with hostile names, each with content of its own.
    function New-ModelFiles([string] $Folder) {
        New-Item -ItemType Directory -Force "$Folder/sub" | Out-Null
        $null = New-TestFile (Join-Path $Folder 'weights 1.params') 300KB -Seed 7
        Set-Content -LiteralPath (Join-Path $Folder 'ünïcödé ✓.json') '{"classes": 10}'
        Set-Content -LiteralPath (Join-Path $Folder 'sub/..dots..txt') 'dots'
        Get-ChildItem -LiteralPath $Folder -Recurse -File -Force
    }
    # The files a tar of the stored archive gives back, as name → SHA-256, to compare with the originals.
    function Get-StoredMembers([string] $Bucket, [string] $Key) {
        $into = Join-Path $TestDrive "unpacked-$([guid]::NewGuid())"
        $table = @{}
        foreach ($file in Expand-TestKodoArchive $kodo $Bucket $Key $into) { $table[$file.Name] = (Get-FileHash -LiteralPath $file.FullName).Hash }
        # Every member is a file at the archive's top: nothing escapes into a folder.
        (Get-ChildItem -LiteralPath $into -Recurse -Directory -Force) | Should -BeNullOrEmpty
        $table
    }
    function Get-Hashes($Files) { $table = @{}; foreach ($file in $Files) { $table[$file.Name] = (Get-FileHash -LiteralPath $file.FullName).Hash }; $table }
    function Get-PublishFolders { Get-ChildItem ([IO.Path]::GetTempPath()) -Force -Directory -Filter ".publish-$PID-*" }
}
AfterAll {
    Stop-TestKodo $kodo
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'Publish-AvaModel' {
    BeforeEach {
        Reset-TestKodo $kodo
        $env:AVA_UP_HOST = $kodo.Url
        $script:workspace = New-Workspace
        $env:AVA_WORKSPACE = $workspace
        Push-Location $workspace
    }
    AfterEach {
        Pop-Location
        $env:AVA_WORKSPACE = $null; $env:AVA_UP_HOST = $null; $env:AVA_API_HOST = $null
    }

    It 'packs every file under its name into one tar.gz, stores it under the default key, and warns in local mode that it is not recorded' {
        $files = New-ModelFiles (Join-Path $workspace 'model')
        # A session of its own, with no instance of an earlier spec.
        $shell = [powershell]::Create().AddScript("Import-Module '$module'; Set-Location '$workspace'; Publish-AvaModel -LiteralPath `$args[0] -Name 'cifar 10 ✓'").AddArgument([string[]]$files.FullName)
        try {
            $model = $shell.Invoke()[0]
            $shell.Streams.Error | Should -BeNullOrEmpty
            $warnings = $shell.Streams.Warning
        } finally { $shell.Dispose() }

        $model | Should -BeOfType ([AvaSdk.PublishedModel])
        $model.Key | Should -Match '^ava/default/models/cifar 10 ✓/custom/local-\d{8}T\d{6}Z/model\.tar\.gz$'
        $model.Recorded | Should -BeFalse
        $model.Type | Should -Be 'custom'
        $model.File | Should -Be "qiniu://1380001@z0/$($bucket)/$($model.Key)"
        Get-TestKodoKey $kodoFolder $bucket | Should -Be @($model.Key)
        $stored = Get-TestKodoObject $kodo $bucket $model.Key
        $stored.hash | Should -Be $model.Hash
        $stored.size | Should -Be $model.Size
        $members = Get-StoredMembers $bucket $model.Key
        $expected = Get-Hashes $files
        $members.Keys | Sort-Object | Should -Be ($expected.Keys | Sort-Object)
        foreach ($name in $expected.Keys) { $members[$name] | Should -Be $expected[$name] -Because "$name is packed whole" }
        $warnings.Message | Should -Match 'not recorded'
        (Get-TestAvaRecord $kodo).requests | Should -BeNullOrEmpty
        Get-PublishFolders | Should -BeNullOrEmpty
        (Get-ChildItem -LiteralPath $workspace -Recurse -File -Force).FullName | Sort-Object |
            Should -Be (@($files.FullName) + "$workspace/config/user" | Sort-Object) -Because 'nothing is left beside the files'
    }

    It 'collects every file of the pipeline into one archive, sent in one upload, and resolves paths with ..' {
        $files = New-ModelFiles (Join-Path $workspace 'model')
        $model = Get-ChildItem ./model -Recurse -File -Force | Publish-AvaModel -Name piped -Key 'piped/model.tar.gz' -WarningAction SilentlyContinue
        @($model).Count | Should -Be 1
        (Get-TestKodoStats $kodo).requests.form | Should -Be 1
        (Get-StoredMembers $bucket 'piped/model.tar.gz').Keys | Sort-Object | Should -Be ($files.Name | Sort-Object)

        $again = 'model/sub/../weights 1.params', 'model/ünïcödé ✓.json' | Publish-AvaModel -Name dotted -Key 'dotted/model.tar.gz' -WarningAction SilentlyContinue
        $again.Files | Should -Be @('weights 1.params', 'ünïcödé ✓.json')
        (Get-StoredMembers $bucket 'dotted/model.tar.gz').Keys | Sort-Object | Should -Be @('weights 1.params', 'ünïcödé ✓.json' | Sort-Object)
    }

    It 'sends and writes nothing with -WhatIf' {
        $null = New-ModelFiles (Join-Path $workspace 'model')
        $output = Publish-AvaModel ./model/*.json -Name planned -WhatIf -WarningVariable warnings
        $output | Should -BeNullOrEmpty
        $warnings | Should -BeNullOrEmpty
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        (Get-TestAvaRecord $kodo).requests | Should -BeNullOrEmpty
        Get-PublishFolders | Should -BeNullOrEmpty
    }

    It 'refuses <Case>, and sends nothing' -ForEach @(
        @{ Case = 'a missing file'; Id = 'AvaFileNotFound'; Arguments = @{ Path = 'model/weights 1.params', 'model/missing.bin'; Name = 'm' } }
        @{ Case = 'a folder'; Id = 'AvaPathIsFolder'; Arguments = @{ Path = 'model/sub'; Name = 'm' } }
        @{ Case = 'two files of one name'; Id = 'AvaSnapshotArchiveInvalid'; Arguments = @{ Path = 'model/sub/..dots..txt', 'other/..dots..txt'; Name = 'm' } }
        @{ Case = 'a name with a slash'; Id = 'AvaModelNameInvalid'; Arguments = @{ Path = 'model/weights 1.params'; Name = '../../evil' } }
        @{ Case = 'the name ..'; Id = 'AvaModelNameInvalid'; Arguments = @{ Path = 'model/weights 1.params'; Name = '..' } }
        @{ Case = 'a name with a line break'; Id = 'AvaModelNameInvalid'; Arguments = @{ Path = 'model/weights 1.params'; Name = "a`nb" } }
        @{ Case = 'an explicit $null instance'; Id = 'AvaTrainInstanceNull'; Arguments = @{ Path = 'model/weights 1.params'; Name = 'm'; TrainInstance = $null } }
    ) {
        $null = New-ModelFiles (Join-Path $workspace 'model')
        New-Item -ItemType Directory other | Out-Null
        Set-Content 'other/..dots..txt' 'other dots'
        { Publish-AvaModel @Arguments -ErrorAction Stop } | Should -Throw -ErrorId "$Id,*"
        (Get-TestKodoStats $kodo).requests.PSObject.Properties | Should -BeNullOrEmpty
        Get-PublishFolders | Should -BeNullOrEmpty
    }

    It 'never replaces another archive under an explicit -Key, and takes the same files again' {
        $files = New-ModelFiles (Join-Path $workspace 'model')
        $first = Publish-AvaModel -LiteralPath $files.FullName -Name fixed -Key 'fixed/model.tar.gz' -WarningAction SilentlyContinue
        $again = Publish-AvaModel -LiteralPath $files.FullName -Name fixed -Key 'fixed/model.tar.gz' -WarningAction SilentlyContinue
        $again.Hash | Should -Be $first.Hash

        Set-Content -LiteralPath (Join-Path $workspace 'model/ünïcödé ✓.json') '{"classes": 100}'
        $refused = { Publish-AvaModel -LiteralPath $files.FullName -Name fixed -Key 'fixed/model.tar.gz' -WarningAction SilentlyContinue -ErrorAction Stop } |
            Should -Throw -ErrorId 'AvaObjectExists,*' -PassThru
        $refused.ErrorDetails.RecommendedAction | Should -Match '-Key'
        (Get-TestKodoObject $kodo $bucket 'fixed/model.tar.gz').hash | Should -Be $first.Hash
    }

    It 'shows the upload''s progress, and packs a large file whole' {
        $big = New-TestFile (Join-Path $workspace 'big.params') 9MB -Seed 11
        # Slow parts, so that the upload is seen going on.
        Set-TestKodoFailure $kodo -Path '/buckets' -Method PUT -DelayMs 300 -Count 3
        $shell = [powershell]::Create().AddScript("Import-Module '$module'; Set-Location '$workspace'; Publish-AvaModel ./big.params -Name big -Key big/model.tar.gz -WarningAction SilentlyContinue")
        try {
            $model = $shell.Invoke()
            $shell.Streams.Error | Should -BeNullOrEmpty
            $bars = @($shell.Streams.Progress | Where-Object Activity -eq "Publishing model 'big'")
            $bars | Should -Not -BeNullOrEmpty
            $bars[-1].RecordType | Should -Be 'Completed'
        } finally { $shell.Dispose() }
        $model.Size | Should -BeGreaterThan 9MB
        (Get-TestKodoStats $kodo).parts.Count | Should -BeGreaterThan 1
        (Get-StoredMembers $bucket 'big/model.tar.gz')['big.params'] | Should -Be (Get-FileHash $big).Hash
    }

    It 'builds the archive outside the snapshot folder, keys it by the instance, and leaves nothing in the run folder' {
        $files = New-ModelFiles (Join-Path $workspace 'model')
        $train = New-AvaTrainInstance -Id pub1 -Workspace $workspace
        # Creating or deleting anything in a folder moves its modification time.
        $epoch = [datetime]::new(2001, 1, 1, 0, 0, 0, [DateTimeKind]::Utc)
        (Get-Item $train.SnapshotPath).LastWriteTimeUtc = $epoch
        $before = Get-ChildItem $train.RunPath -Force | Select-Object -ExpandProperty Name
        try {
            $model = Publish-AvaModel -LiteralPath $files.FullName -Name final -WarningAction SilentlyContinue
            $after = Get-ChildItem $train.RunPath -Force | Select-Object -ExpandProperty Name
        } finally { Complete-AvaTrainInstance $train }
        $model.TrainInstanceId | Should -Be 'pub1'
        $model.Key | Should -Match '^ava/default/models/final/custom/pub1-\d{8}T\d{6}Z/model\.tar\.gz$'
        (Get-Item $train.SnapshotPath).LastWriteTimeUtc | Should -Be $epoch -Because 'the snapshot folder is not written to'
        Get-ChildItem $train.SnapshotPath -Force | Should -BeNullOrEmpty
        $after | Should -Be $before
    }
}

Describe 'Publish-AvaModel on the AVA platform' {
    BeforeEach {
        Reset-TestKodo $kodo
        $env:AVA_UP_HOST = $kodo.Url
        $script:workspace = New-Workspace -Platform
        $env:AVA_WORKSPACE = $workspace
        Push-Location $workspace
    }
    AfterEach {
        Pop-Location
        $env:AVA_WORKSPACE = $null; $env:AVA_UP_HOST = $null
    }

    It 'records the model as upload_custom_model did: name, type custom, the qiniu URL of the archive with uid and zone, empty params, specVersion v1' {
        $files = New-ModelFiles (Join-Path $workspace 'model')
        $train = New-AvaTrainInstance
        $model = try { Publish-AvaModel -LiteralPath $files.FullName -Name 'resnet ✓' -TrainInstance $train -WarningVariable warnings } finally { Complete-AvaTrainInstance $train }
        $warnings | Should -BeNullOrEmpty
        $model.Recorded | Should -BeTrue
        $model.Key | Should -Match "^ava/default/models/resnet ✓/custom/$($train.Id)-\d{8}T\d{6}Z/model\.tar\.gz$"

        $record = Get-TestAvaRecord $kodo
        $posts = @($record.requests | Where-Object { $_.method -eq 'POST' -and $_.path -eq '/v1/models' })
        $posts | Should -HaveCount 1
        $posts[0].signed | Should -BeTrue
        $body = $posts[0].body | ConvertFrom-Json -AsHashtable
        $body.Keys | Sort-Object | Should -Be @('file', 'name', 'params', 'specVersion', 'type')
        $body.name | Should -Be 'resnet ✓'
        $body.type | Should -Be 'custom'
        $body.file | Should -Be "qiniu://1380001@z0/$($bucket)/$($model.Key)"
        $body.params.Count | Should -Be 0
        $body.specVersion | Should -Be 'v1'
        # The platform found the archive under the record's file, and read it as a tar.gz.
        $checked = @($record.modelChecks)
        $checked | Should -HaveCount 1
        $checked[0].type | Should -Be 'custom'
        $checked[0].key | Should -Be $model.Key
        $checked[0].members.name | Sort-Object | Should -Be ($files.Name | Sort-Object)
    }

    It 'says where the archive is when the platform refuses the record, and the same command with that -Key records it' {
        $files = New-ModelFiles (Join-Path $workspace 'model')
        Set-TestKodoFailure $kodo -Path '/v1/models' -Status 400 -Count 1
        $failure = { Publish-AvaModel -LiteralPath $files.FullName -Name refused -ErrorAction Stop } | Should -Throw -ErrorId 'AvaPlatformRequestFailed,*' -PassThru
        $key = @(Get-TestKodoKey $kodoFolder $bucket)
        $key | Should -HaveCount 1
        $key = $key[0]
        $failure.Exception.Message | Should -BeLike "*qiniu://1380001@z0/$($bucket)/$key*"
        $failure.Exception.Message | Should -Not -Match ([regex]::Escape($kodo.SecretKey))
        (Get-TestAvaRecord $kodo).models | Should -BeNullOrEmpty

        $model = Publish-AvaModel -LiteralPath $files.FullName -Name refused -Key $key
        $model.Recorded | Should -BeTrue
        @((Get-TestAvaRecord $kodo).models).file | Should -Be "qiniu://1380001@z0/$($bucket)/$key"
        Get-TestKodoKey $kodoFolder $bucket | Should -Be @($key)
    }

    It 'fails without sending when the credentials are wrong, and never shows the secret' {
        $workspace = New-Workspace -Platform -SecretKey 'not-the-secret'
        $env:AVA_WORKSPACE = $workspace
        $files = New-ModelFiles (Join-Path $workspace 'model')
        $failure = { Publish-AvaModel -LiteralPath $files.FullName -Name denied -Verbose -ErrorAction Stop 4>&1 | Out-String } | Should -Throw -ErrorId 'AvaStorageAccessDenied,*' -PassThru
        ($failure | Out-String) + $failure.Exception.ToString() | Should -Not -Match 'not-the-secret'
        Get-TestKodoKey $kodoFolder $bucket | Should -BeNullOrEmpty
        (Get-TestAvaRecord $kodo).models | Should -BeNullOrEmpty
    }
}
