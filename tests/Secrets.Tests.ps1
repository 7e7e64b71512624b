# Secrets stay out of what is kept and shown: every configured secret of 8 characters or more is replaced by *** in the
# trainer's output before it reaches training.log, so ava.log, verbose lines, error tails and -UploadLogs never see it.
BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    $script:saved = @{}
    foreach ($name in 'AVA_WORKSPACE', 'AVA_SECRET_KEY', 'AVA_METRICS_URL', 'AVA_API_HOST') {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $null)
    }
    $script:envSecret = 'env-Secret/0123456789'
    $script:fileSecret = 'file-Secret+ABCDEFGH'
    function New-Workspace([string] $FileSecret) {
        $workspace = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory "$workspace/config" | Out-Null
        @{ key = 'access-key'; secret = $FileSecret } | ConvertTo-Json | Set-Content "$workspace/config/user"
        $workspace
    }
    # Every file of the run's logs as one text, and how often a secret occurs in it.
    function Get-Occurrences([string] $Text, [string] $Secret) { ([regex]::Matches($Text, [regex]::Escape($Secret))).Count }
}
AfterAll {
    foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
}

Describe 'The trainer''s output, masked' {
    It 'replaces the environment''s and config/user''s secrets in training.log, ava.log and verbose lines, even split across two reads' {
        $env:AVA_SECRET_KEY = $envSecret
        $train = New-AvaTrainInstance -Workspace (New-Workspace $fileSecret)
        # The trainer inherits AVA_SECRET_KEY and prints it, the file's secret, and the secret in two writes of the pipe.
        $trainer = "env; echo 'from the file: $fileSecret'; printf 'split: env-Secret/01'; sleep 0.3; printf '23456789 done\n'; echo 'Iteration 1, loss = 0.5'"
        $verbose = Invoke-AvaTraining sh -ArgumentList '-c', $trainer -Framework Caffe -TrainInstance $train -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $verbose = $verbose -join "`n"
        $trainingLog = Get-Content -Raw (Join-Path $train.LogPath 'training.log')
        $avaLog = (Get-ChildItem $train.LogPath -Filter 'ava*.log' | ForEach-Object { Get-Content -Raw $_.FullName }) -join "`n"

        foreach ($secret in $envSecret, $fileSecret) {
            Get-Occurrences $trainingLog $secret | Should -Be 0
            Get-Occurrences $avaLog $secret | Should -Be 0
            Get-Occurrences $verbose $secret | Should -Be 0
        }
        $trainingLog | Should -Match '(?m)^AVA_SECRET_KEY=\*\*\*$'
        $trainingLog | Should -Match '(?m)^from the file: \*\*\*$'
        $trainingLog | Should -Match '(?m)^split: \*\*\* done$'
        $verbose | Should -Match 'split: \*\*\* done'
        Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | Should -HaveCount 1 -Because 'the lines are parsed as before'
    }

    It 'masks the lines an error quotes' {
        $env:AVA_SECRET_KEY = $envSecret
        $train = New-AvaTrainInstance -Workspace (New-Workspace $fileSecret)
        $err = { Invoke-AvaTraining sh -ArgumentList '-c', 'echo "failing with $AVA_SECRET_KEY"; exit 3' -TrainInstance $train -WarningAction SilentlyContinue } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'AvaTrainingFailed,*'
        $err.Exception.Message | Should -BeLike '*failing with `*`*`**'
        Get-Occurrences $err.Exception.Message $envSecret | Should -Be 0
    }

    It 'masks a secret given with -Environment, and leaves one shorter than 8 characters unmasked with one warning that names neither' {
        $env:AVA_SECRET_KEY = 'short7!'
        $train = New-AvaTrainInstance -Workspace (New-Workspace $fileSecret)
        Invoke-AvaTraining sh -ArgumentList '-c', 'echo "$AVA_SECRET_KEY $GIVEN"' -Environment @{ AVA_SECRET_KEY = 'given-Secret-999'; GIVEN = 'short7!' } -TrainInstance $train `
            -WarningVariable warnings -WarningAction SilentlyContinue
        $masking = @($warnings | Where-Object { $_ -like '*AvaSecretNotMasked*' })
        $masking | Should -HaveCount 1
        $masking[0].Message | Should -Not -BeLike '*short7!*'
        Get-Content (Join-Path $train.LogPath 'training.log') | Should -Be '*** short7!'
    }
}
