# Every example in docs/<cmdlet>.md runs, as written, against the test servers: an example that stops working fails
# CI. Addresses a reader cannot reach offline are mapped to the local servers (the table below), and the programs the
# examples train with (caffe, python, ./train.sh) are stand-ins in a sandbox that print what the real ones log.
BeforeDiscovery {
    $script:examples = foreach ($page in Get-ChildItem "$PSScriptRoot/../docs" -Filter '*-*.md') {
        $text = Get-Content $page.FullName -Raw
        foreach ($match in [regex]::Matches($text, '(?ms)^### (?<title>Example \d+[^\n]*)\n+```powershell\n(?<code>.*?)\n```')) {
            @{ Cmdlet = $page.BaseName; Title = $match.Groups['title'].Value.Trim(); Code = $match.Groups['code'].Value }
        }
    }
}

BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestKodo.psm1" -Force
    Import-Module "$PSScriptRoot/helpers/TestInfluxDb.psm1" -Force
    $script:kodo = Start-TestKodo -Folder (Join-Path $TestDrive 'kodo')
    $script:influx = if (Test-InfluxDbAvailable) { Start-TestInfluxDb -Folder (Join-Path $TestDrive 'influx') }
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    # A Caffe log of our own, shaped like the cifar10 quick run (snapshot at iteration 4000).
    $script:fixture = New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')
    $script:savedEnvironment = @{}
    foreach ($name in 'AVA_WORKSPACE', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_UP_HOST', 'AVA_BUCKET_DOMAIN', 'AVA_METRICS_URL', 'AVA_API_HOST', 'AVA_TRAINING_INSTANCE_ID', 'PATH') {
        $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name)
    }
    # What a reader's address stands for here.
    $script:addresses = [ordered]@{
        'http://cdn.example.com'               = "$($kodo.Url)/download/datasets"
        'https://example.com/'                 = "$($kodo.Url)/public/files/"
        'http://127.0.0.1:8086/write?db=ava'   = if ($influx) { $influx.WriteUrl } else { "$($kodo.Url)/v1/report/trainings/examples/metric" }
    }
    $key = $kodo.Credential.GetNetworkCredential()
    # The objects the download examples fetch.
    $payload = New-TestFile (Join-Path $TestDrive 'payload.bin') 200KB -Seed 3
    foreach ($object in @('datasets', 'cifar10/train.rec'), @('models', 'run1/final.params'), @('files', 'a.bin'), @('files', 'b.bin')) {
        Send-AvaFile $payload.FullName -Bucket $object[0] -Key $object[1] -Credential $kodo.Credential -UploadHost $kodo.Url -Force | Out-Null
    }

    function New-ExampleSandbox {
        $sandbox = (New-Item -ItemType Directory (Join-Path $TestDrive "sandbox-$([guid]::NewGuid())")).FullName
        New-Item -ItemType Directory "$sandbox/ws/params", "$sandbox/ws/config", "$sandbox/output", "$sandbox/bin" | Out-Null
        '{ "solver": { "lr": 0.1, "momentum": 0.9 }, "solverOps": { "batchSize": 64 }, "layers": [ { "name": "conv1" } ], "epochs": 10 }' | Set-Content "$sandbox/ws/params/default.json"
        New-Item -ItemType Directory "$sandbox/params" -Force | Out-Null
        '{ "solver": { "lr": 0.05 } }' | Set-Content "$sandbox/params/sweep.json"
        @{ key = $key.UserName; secret = $key.Password; bucket = 'models' } | ConvertTo-Json | Set-Content "$sandbox/ws/config/user"
        foreach ($file in 'output/model-0001.params', 'output/model-0002.params', 'model-0010.params', 'dataset.rec', 'solver.prototxt', 'deploy.prototxt', 'labels.txt', 'train.py') {
            Set-Content "$sandbox/$file" "stand-in $file"
        }
        # caffe replays a cifar10-shaped log and writes the snapshot it names; python prints a loss a line; train.sh is MXNet.
        Set-Content "$sandbox/bin/caffe" "#!/bin/sh`nmkdir -p examples/cifar10; echo weights > examples/cifar10/cifar10_quick_iter_4000.caffemodel.h5; echo state > examples/cifar10/cifar10_quick_iter_4000.solverstate.h5`ncat '$fixture' >&2"
        Set-Content "$sandbox/bin/python" "#!/bin/sh`nfor i in 1 2 3; do echo `"epoch `$i loss: 0.`$i`"; done"
        Set-Content "$sandbox/train.sh" "#!/bin/sh`necho 'INFO:root:Epoch[0] Batch [20]`tSpeed: 650.1 samples/sec`taccuracy=0.10'`necho 'INFO:root:Epoch[0] Train-accuracy=0.12'"
        & chmod +x "$sandbox/bin/caffe" "$sandbox/bin/python" "$sandbox/train.sh"
        $sandbox
    }
}

AfterAll {
    Stop-TestKodo $kodo
    Stop-TestInfluxDb $influx
    foreach ($name in $savedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
}

Describe 'The examples of <Cmdlet>' -ForEach ($examples | Group-Object { $_.Cmdlet } | ForEach-Object { @{ Cmdlet = $_.Name; Cases = $_.Group } }) {
    It '<Title> runs' -ForEach $Cases {
        $sandbox = New-ExampleSandbox
        $env:AVA_WORKSPACE = "$sandbox/ws"
        $env:AVA_UP_HOST = $kodo.Url
        $env:AVA_BUCKET_DOMAIN = "$($kodo.Url)/download/models"
        $env:PATH = "$sandbox/bin:$($savedEnvironment['PATH'])"
        foreach ($name in 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_METRICS_URL', 'AVA_API_HOST', 'AVA_TRAINING_INSTANCE_ID') { [Environment]::SetEnvironmentVariable($name, $null) }
        $code = $Code
        foreach ($address in $addresses.Keys) { $code = $code.Replace($address, $addresses[$address]) }
        # What an example takes from the text around it: the solver file, and the instance of the example before.
        $prelude = "`$solver = 'solver.prototxt'`n" + $(if ($code -match '^\$train \|') { "`$train = New-AvaTrainInstance`n" })
        Push-Location $sandbox
        try {
            $ErrorActionPreference = 'Stop'
            $output = & ([scriptblock]::Create($prelude + $code)) 6>&1 3>&1 2>&1 | Out-String
        } finally {
            Pop-Location
            $ErrorActionPreference = 'Continue'
        }
        $output | Should -Not -Match 'Exception|error' -Because "the example printed: $output"
    }
}
