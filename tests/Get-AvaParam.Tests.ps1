BeforeAll {
    Import-Module "$PSScriptRoot/../AvaSdk.psd1" -Force

    function Write-Params([string] $Json, [string] $Path = (Join-Path $env:AVA_WORKSPACE 'params/default.json')) {
        New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
        Set-Content -Path $Path -Value $Json -NoNewline
        $Path
    }
}

Describe 'Get-AvaParam' {
    BeforeEach {
        $script:savedWorkspace = $env:AVA_WORKSPACE
        $env:AVA_WORKSPACE = Join-Path $TestDrive ([guid]::NewGuid())
        New-Item -ItemType Directory -Path $env:AVA_WORKSPACE | Out-Null
        $script:file = Write-Params '{
            "lr": 0.01, "epochs": 30, "name": "resnet", "gpu": true, "nothing": null,
            "solver": { "lr": 0.001 },
            "k2": { "k3": "v3" },
            "layers": [ { "name": "conv1" }, { "name": "fc" } ],
            "huge": 123456789012345678901234567890,
            "when": "2018-02-23T11:00:00+08:00"
        }'
    }
    AfterEach { $env:AVA_WORKSPACE = $savedWorkspace }

    Context 'values' {
        It 'reads <Key> as <Type>' -ForEach @(
            @{ Key = 'lr'; Expected = 0.01; Type = [double] }
            @{ Key = 'epochs'; Expected = 30; Type = [long] }
            @{ Key = 'name'; Expected = 'resnet'; Type = [string] }
            @{ Key = 'gpu'; Expected = $true; Type = [bool] }
            @{ Key = 'k2.k3'; Expected = 'v3'; Type = [string] }
            @{ Key = 'layers.1.name'; Expected = 'fc'; Type = [string] }
            @{ Key = 'layers[0].name'; Expected = 'conv1'; Type = [string] }
            @{ Key = 'when'; Expected = '2018-02-23T11:00:00+08:00'; Type = [string] }
        ) {
            $value = Get-AvaParam $Key
            $value | Should -Be $Expected
            $value | Should -BeOfType $Type
        }

        It 'returns objects as PSCustomObject so properties work' {
            $k2 = Get-AvaParam k2
            $k2 | Should -BeOfType [pscustomobject]
            $k2.k3 | Should -Be 'v3'
            (Get-AvaParam k2).k3 | Should -Be 'v3'
        }

        It 'returns arrays as object[] even through assignment' {
            $layers = Get-AvaParam layers
            , $layers | Should -BeOfType [object[]]
            $layers.Count | Should -Be 2
            $layers[1].name | Should -Be 'fc'
        }

        It 'returns the whole document without -Key' {
            $all = Get-AvaParam
            $all.epochs | Should -Be 30
            $all.layers[0].name | Should -Be 'conv1'
        }

        It 'returns a JSON null as $null rather than the default' {
            Get-AvaParam nothing -Default 5 | Should -BeNullOrEmpty
        }

        It 'keeps integers too large for [long] exact' {
            (Get-AvaParam huge).ToString() | Should -Be '123456789012345678901234567890'
        }

        It 'matches keys ignoring case when only one property matches' {
            Get-AvaParam LR | Should -Be 0.01
            Get-AvaParam K2.K3 | Should -Be 'v3'
        }

        It 'takes keys from the pipeline' {
            'lr', 'epochs' | Get-AvaParam | Should -Be @(0.01, 30)
        }

        It 'reads another file with -Path, relative to the current location' {
            Write-Params '{"batch": 64}' (Join-Path $TestDrive 'other/sweep.json') | Out-Null
            Push-Location (Join-Path $TestDrive 'other')
            try { Get-AvaParam batch -Path ./sweep.json | Should -Be 64 } finally { Pop-Location }
        }

        # The platform's /workspace, when AVA_WORKSPACE is not set, is AvaWorkspaceTests' (xunit): a spec here would read
        # whatever this machine's /workspace holds.
        It 'uses the workspace AVA_WORKSPACE names, relative to the current location' {
            Write-Params '{"lr": 0.2}' (Join-Path $TestDrive 'relative/job/params/default.json') | Out-Null
            Push-Location (Join-Path $TestDrive 'relative')
            try {
                $env:AVA_WORKSPACE = 'job'
                Get-AvaParam lr | Should -Be 0.2
            } finally { Pop-Location }
        }
    }

    Context 'missing keys' {
        It 'returns -Default for a missing key' {
            Get-AvaParam solver.momentum -Default 0.9 | Should -Be 0.9
            Get-AvaParam layers.7.name -Default 'none' | Should -Be 'none'
        }

        It 'writes one non-terminating AvaParamNotFound naming the closest keys, and nothing to the pipeline, without -Default' {
            $output = @(Get-AvaParam solver.rl -ErrorVariable errors -ErrorAction SilentlyContinue)
            $output.Count | Should -Be 0
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaParamNotFound,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be 'solver.rl'
            $errors[0].Exception.Message | Should -BeLike "*'solver.rl'*$file*did you mean solver.lr*"
        }

        It 'lets the script go on after a missing key, and stops it with -ErrorAction Stop' {
            $ErrorActionPreference = 'Continue'
            $output = @(& { Get-AvaParam solver.rl; 'went on' } 2>$null)
            $output | Should -Be @('went on')
            { Get-AvaParam solver.rl -ErrorAction Stop } | Should -Throw -ErrorId 'AvaParamNotFound,*'
        }

        It 'suggests nothing when no key is close' {
            $null = Get-AvaParam zzzzzz -ErrorVariable errors -ErrorAction SilentlyContinue
            $errors.Count | Should -Be 1
            $errors[0].Exception.Message | Should -Not -BeLike '*did you mean*'
        }

        It 'returns -Default <Name> quietly for a missing key and for a missing file' -ForEach @(
            @{ Name = '5'; Default = 5 }
            @{ Name = '$null'; Default = $null }
        ) {
            $fromKey = @(Get-AvaParam solver.momentum -Default $Default -ErrorVariable keyErrors -WarningVariable keyWarnings)
            Remove-Item $file
            $fromFile = @(Get-AvaParam solver.momentum -Default $Default -ErrorVariable fileErrors -WarningVariable fileWarnings)
            foreach ($output in $fromKey, $fromFile) {
                $output.Count | Should -Be 1
                $output[0] | Should -Be $Default
            }
            @($keyErrors) + @($fileErrors) + @($keyWarnings) + @($fileWarnings) | Should -BeNullOrEmpty
        }

        It 'takes a key present with a JSON null as a value, not as a missing key' {
            $output = @('nothing', 'nothign' | Get-AvaParam -ErrorVariable errors -ErrorAction SilentlyContinue)
            $output.Count | Should -Be 1
            $output[0] | Should -BeNullOrEmpty
            $errors.Count | Should -Be 1
            $errors[0].TargetObject | Should -Be 'nothign'
            $errors[0].Exception.Message | Should -BeLike '*did you mean nothing*'
        }

        It 'writes one error for each missing key of the pipeline and still returns the others' {
            $output = 'lr', 'solver.rl', 'epochs', 'epoch' | Get-AvaParam -ErrorVariable errors -ErrorAction SilentlyContinue
            $output | Should -Be @(0.01, 30)
            $errors.FullyQualifiedErrorId | Should -BeLike 'AvaParamNotFound,*'
            $errors.TargetObject | Should -Be @('solver.rl', 'epoch')
        }

        It 'stops with AvaParamNotFound naming the key and the file when -Required' {
            $err = { Get-AvaParam solver.momentum -Required } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -BeLike "*'solver.momentum'*"
            $err.Exception.Message | Should -BeLike "*$file*"
        }

        It 'stops with AvaParamNotFound when -Required, naming the closest keys, whatever -ErrorAction says' {
            $err = { Get-AvaParam solver.rl -Required -ErrorAction SilentlyContinue } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamNotFound,*'
            $err.Exception.Message | Should -BeLike '*did you mean solver.lr*'
        }

        It 'rejects a malformed key with AvaParamKeyInvalid' {
            $err = { Get-AvaParam 'a..b' } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamKeyInvalid,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }
    }

    Context 'missing file' {
        BeforeEach { Remove-Item $file }

        It 'returns -Default without a warning' {
            $value = Get-AvaParam lr -Default 0.5 -WarningVariable warnings -WarningAction SilentlyContinue
            $value | Should -Be 0.5
            $warnings.Count | Should -Be 0
        }

        It 'writes a non-terminating AvaParamFileNotFound naming the file, and no warning, without -Default, for <Asked>' -ForEach @(
            @{ Asked = 'a key'; Key = @('lr') }
            @{ Asked = 'the whole document'; Key = @() }
        ) {
            $output = @(Get-AvaParam @Key -ErrorVariable errors -ErrorAction SilentlyContinue -WarningVariable warnings -WarningAction SilentlyContinue)
            $output.Count | Should -Be 0
            $warnings.Count | Should -Be 0
            $errors.Count | Should -Be 1
            $errors[0].FullyQualifiedErrorId | Should -BeLike 'AvaParamFileNotFound,*'
            $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $errors[0].TargetObject | Should -Be $file
            $errors[0].Exception.Message | Should -BeLike "*$file*not found*"
        }

        It 'stops with AvaParamFileNotFound when -Required' {
            $err = { Get-AvaParam lr -Required } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamFileNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -BeLike "*$file*"
        }
    }

    Context 'invalid JSON' {
        It 'stops with AvaParamFileInvalid naming the file, line and position' {
            Write-Params "{`n  `"lr`": 0.01,`n  `"epochs`": ,`n}" | Out-Null
            $err = { Get-AvaParam lr } | Should -Throw -PassThru
            $err.FullyQualifiedErrorId | Should -BeLike 'AvaParamFileInvalid,*'
            $err.CategoryInfo.Category | Should -Be 'InvalidData'
            $err.Exception.Message | Should -BeLike "*$file*line 3, position*"
        }
    }

    Context 'caching' {
        It 'sees a changed file on the next call' {
            Get-AvaParam epochs | Should -Be 30
            Write-Params '{"epochs": 45, "extra": "a longer file than before"}' | Out-Null
            Get-AvaParam epochs | Should -Be 45
        }

        It 'hands out fresh objects, so a caller changing one does not change the next read' {
            $first = Get-AvaParam k2
            $first.k3 = 'changed'
            (Get-AvaParam k2).k3 | Should -Be 'v3'
        }
    }

    Context 'tab completion' {
        It 'completes -Key from the keys in the file' {
            $line = "Get-AvaParam -Path '$file' -Key k"
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            $completions.CompletionText | Should -Be @('k2', 'k2.k3')
        }

        It 'completes array elements and nested keys of the default file' {
            $line = 'Get-AvaParam layers['
            $completions = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
            $completions.CompletionText | Should -Be @('layers[0]', 'layers[0].name', 'layers[1]', 'layers[1].name')
        }
    }
}
