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

    It 'keeps every error id in one catalogue, and the help lists each one' {
        # Ids are written once, in AvaSdk.Errors.AvaErrors; anywhere else in the code an "Ava…" literal is an id kept
        # outside the catalogue.
        $source = Get-ChildItem "$PSScriptRoot/../src" -Recurse -Filter *.cs | Where-Object FullName -notmatch '[\\/](obj|bin)[\\/]'
        $outside = $source | Where-Object Name -ne 'AvaErrors.cs' | Select-String -Pattern '^(?!\s*///).*"(Ava[A-Z][A-Za-z]+)"' |
            Where-Object { $_.Matches.Groups[1].Value -notin 'AvaSdk' -and $_.Line -notmatch '\[Cmdlet\(' }
        $outside | ForEach-Object { "$($_.Filename):$($_.LineNumber)" } | Should -BeNullOrEmpty -Because 'an error id belongs in AvaErrors'
        $catalogue = [AvaSdk.Errors.AvaErrors]::All.Id
        $catalogue.Count | Should -BeGreaterThan 40
        $listed = Get-ChildItem "$PSScriptRoot/../docs" -Filter *-*.md | Get-Content | Where-Object { $_ -like 'Errors:*' } |
            ForEach-Object { $_.Substring(7).Trim().TrimEnd('.') -split ',\s*' } | Sort-Object -Unique
        $catalogue | Where-Object { $_ -notin $listed } | Should -BeNullOrEmpty -Because 'every error a user can meet is in the Errors list of a cmdlet that raises it'
        $listed | Where-Object { $_ -notin $catalogue } | Should -BeNullOrEmpty -Because 'the help lists no id the code does not have'
    }

    It 'keeps cmdlet parameters out of the core''s messages (the cmdlets add the hints)' {
        $parameters = Get-Command -Module AvaSdk | ForEach-Object { $_.Parameters.Keys } | Sort-Object -Unique |
            Where-Object { $_ -notin [System.Management.Automation.Internal.CommonParameters].GetProperties().Name }
        # AvaErrors.cs is help text (each id's meaning), not a message.
        $core = Get-ChildItem "$PSScriptRoot/../src/AvaSdk.Core" -Recurse -Filter *.cs | Where-Object { $_.FullName -notmatch '[\\/](obj|bin)[\\/]' -and $_.Name -ne 'AvaErrors.cs' }
        $named = $core | Select-String -Pattern '^(?!\s*///).*"[^"]*(?<![\w-])-(?<name>[A-Z][A-Za-z]+)\b' |
            Where-Object { $_.Matches[0].Groups['name'].Value -in $parameters }
        $named | ForEach-Object { "$($_.Filename):$($_.LineNumber) -$($_.Matches[0].Groups['name'].Value)" } | Should -BeNullOrEmpty
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

# docs/<cmdlet>.md is the help's source (the build turns it into MAML). Read here with plain text rules, not with the
# builder, and held to what Get-Command says, so the help cannot drift from the code.
Describe '<_> help, as docs/<_>.md writes it' -ForEach $cmdlets {
    BeforeAll {
        $script:command = Get-Command $_
        $script:page = Get-Content (Join-Path $PSScriptRoot "../docs/$_.md") -Raw
        $script:common = [System.Management.Automation.Internal.CommonParameters].GetProperties().Name
        # Each "### -Name" with the yaml block that follows it.
        $script:documented = @{}
        foreach ($match in [regex]::Matches($page, '(?ms)^### -(?<name>\w+)\s*\n.*?```yaml\n(?<yaml>.*?)```')) {
            $fields = @{}
            foreach ($line in $match.Groups['yaml'].Value -split '\n') { if ($line -match '^([^:]+):\s*(.*)$') { $fields[$Matches[1]] = $Matches[2].Trim() } }
            $documented[$match.Groups['name'].Value] = $fields
        }
    }

    It 'documents every parameter with its real type, position, mandatory flag and pipeline binding' {
        foreach ($parameter in $command.Parameters.Values | Where-Object Name -notin $common) {
            $fields = $documented[$parameter.Name]
            $fields | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a section in docs/$_.md"
            # A nullable value (a metric's optional Iteration) is documented as its value type, as platyPS writes it.
            $type = [Nullable]::GetUnderlyingType($parameter.ParameterType) ?? $parameter.ParameterType
            $fields['Type'] | Should -Be $type.Name -Because "-$($parameter.Name)'s type"
            foreach ($set in $parameter.ParameterSets.GetEnumerator()) {
                $expectedPosition = if ($set.Value.Position -ge 0) { "$($set.Value.Position)" } else { 'Named' }
                $fields['Position'] | Should -Be $expectedPosition -Because "-$($parameter.Name)'s position in set $($set.Key)"
                $bindings = @(if ($set.Value.ValueFromPipeline) { 'ByValue' }) + @(if ($set.Value.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
                $expectedPipeline = if ($bindings) { "True ($($bindings -join ', '))" } else { 'False' }
                $fields['Accept pipeline input'] | Should -Be $expectedPipeline -Because "-$($parameter.Name)'s pipeline input in set $($set.Key)"
            }
            $mandatory = @($parameter.ParameterSets.Values.IsMandatory | Sort-Object -Unique)
            if ($mandatory.Count -eq 1) { $fields['Required'] | Should -Be "$($mandatory[0])" -Because "-$($parameter.Name) is mandatory only if the code says so" }
            $expectedSets = if ($parameter.ParameterSets.ContainsKey('__AllParameterSets') -or $parameter.ParameterSets.Count -eq $command.ParameterSets.Count) { '(All)' } else { ($parameter.ParameterSets.Keys | Sort-Object) -join ', ' }
            (($fields['Parameter Sets'] -split ',\s*' | Sort-Object) -join ', ') | Should -Be $expectedSets -Because "-$($parameter.Name)'s parameter sets"
            $fields['Aliases'] | Should -Be ($parameter.Aliases -join ', ') -Because "-$($parameter.Name)'s aliases"
            $accepted = if ($parameter.ParameterType.IsEnum) { [Enum]::GetNames($parameter.ParameterType) }
                else { ($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues }
            "$($fields['Accepted values'])" | Should -Be ($accepted -join ', ') -Because "-$($parameter.Name)'s accepted values"
        }
    }

    It 'documents no parameter the command does not have' {
        $documented.Keys | Where-Object { -not $command.Parameters.ContainsKey($_) } | Should -BeNullOrEmpty
    }

    It 'has an example, a synopsis and a description' {
        $page | Should -Match '(?m)^### Example 1'
        $page | Should -Match '(?ms)^## SYNOPSIS\s*\n\S'
        $page | Should -Match '(?ms)^## DESCRIPTION\s*\n\S'
    }

    It 'shows switches as [-Name] in Get-Help, as in-box cmdlets do' {
        $syntax = (Get-Help $_).Syntax | Out-String -Width 1000
        $syntax | Should -Not -Match '<SwitchParameter>'
        foreach ($switch in $command.Parameters.Values | Where-Object { $_.SwitchParameter -and $_.Name -notin $common }) {
            # A mandatory switch (Complete-AvaTrainInstance -Retry) is -Name, outside brackets, in its set.
            $pattern = if ($switch.ParameterSets.Values.IsMandatory -contains $true) { "(?<!\[)-$($switch.Name)\b" } else { "\[-$($switch.Name)\]" }
            $syntax | Should -Match $pattern -Because "-$($switch.Name) is a switch"
        }
    }
}

