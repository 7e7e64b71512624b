BeforeDiscovery {
    $script:cmdlets = (Import-PowerShellDataFile "$PSScriptRoot/../AvaSdk.psd1").CmdletsToExport
}

BeforeAll {
    $script:manifestPath = (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path
    Import-Module $manifestPath -Force
}

Describe 'The AvaSdk module' {
    It 'has a manifest that passes Test-ModuleManifest' {
        $manifest = Test-ModuleManifest $manifestPath
        $manifest.Name | Should -Be 'AvaSdk'
        $manifest.CompatiblePSEditions | Should -Be @('Core')
        $manifest.PowerShellVersion | Should -Be ([version]'7.4')
    }

    It 'exports exactly the cmdlets its assembly defines' {
        # The cmdlets are the second nested module (the first, AvaSdk.Loader, only isolates the libraries).
        $cmdlets = (Get-Module AvaSdk).NestedModules | Where-Object Name -eq 'AvaSdk.PowerShell'
        $cmdlets | Should -Not -BeNullOrEmpty
        $defined = $cmdlets.ImplementingAssembly.GetTypes() |
            Where-Object { $_.IsDefined([System.Management.Automation.CmdletAttribute], $false) } |
            ForEach-Object {
                $attribute = $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
                "$($attribute.VerbName)-$($attribute.NounName)"
            }
        (Get-Command -Module AvaSdk).Name | Sort-Object | Should -Be ($defined | Sort-Object)
        (Import-PowerShellDataFile $manifestPath).CmdletsToExport | Sort-Object | Should -Be ($defined | Sort-Object)
    }

    It 'does not ship the engine assembly' {
        Get-ChildItem (Join-Path (Split-Path $manifestPath) 'module/bin') -Recurse -Filter 'System.Management.Automation.dll' | Should -BeNullOrEmpty
    }

    It 'documents every error id the code can raise in the help of the cmdlets' {
        # Ids are string literals ("Ava…") passed to AvaException or an ErrorRecord; the help lists them under "Error ids".
        $source = Get-ChildItem "$PSScriptRoot/../src" -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](obj|bin)[\\/]'
        $ids = $source | Select-String -Pattern '(?<!cref=)"(Ava[A-Z][A-Za-z]+)"' -AllMatches | ForEach-Object { $_.Matches.Groups[1].Value } | Sort-Object -Unique
        $ids.Count | Should -BeGreaterThan 30
        $helpText = Get-Content "$PSScriptRoot/../module/en-US/AvaSdk.PowerShell.dll-Help.xml" -Raw
        $ids | Where-Object { $helpText -notmatch "\b$_\b" } | Should -BeNullOrEmpty -Because 'every error id a user can meet is documented'
    }

    It 'has an about topic' {
        (Get-Help about_AvaSdk | Out-String) | Should -Match 'AvaSdk is the training-job SDK'
    }
}

Describe '<_> help' -ForEach $cmdlets {
    BeforeAll {
        $script:help = Get-Help $_ -Full
        $script:common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name +
            [System.Management.Automation.Internal.ShouldProcessParameters].GetProperties().Name
    }

    It 'has a synopsis and a description' {
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match '^\s*\w+-\w+ \['
        ($help.Description | Out-String) | Should -Not -BeNullOrEmpty
    }

    It 'describes every parameter' {
        $parameters = (Get-Command $_).Parameters.Keys | Where-Object { $_ -notin $common }
        foreach ($name in $parameters) {
            $documented = $help.parameters.parameter | Where-Object name -eq $name
            $documented | Should -Not -BeNullOrEmpty -Because "parameter -$name needs help"
            ($documented.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "parameter -$name needs a description"
        }
    }

    It 'has at least one example' {
        @($help.examples.example).Count | Should -BeGreaterThan 0
        $help.examples.example[0].code | Should -Not -BeNullOrEmpty
    }
}
