# The module as users get it: build.ps1 Package packs it, a team publishes the .nupkg to its feed, a training image
# installs it by name and runs a job with it, nothing from this repository in reach. The child pwsh processes get a
# HOME of their own, so the feed's registration and the installed module never touch this machine's.
BeforeAll {
    Import-Module "$PSScriptRoot/helpers/TestProcess.psm1" -Force
    $script:root = (Resolve-Path "$PSScriptRoot/..").Path
    $script:version = (Import-PowerShellDataFile "$root/AvaSdk.psd1").ModuleVersion
    $script:out = Join-Path $TestDrive 'out'
    # -NoBuild: the test run has just built module/bin; building again would replace assemblies this session holds.
    $pack = Join-Path $TestDrive 'pack.ps1'
    Set-Content $pack "& '$root/build.ps1' Package -NoBuild -OutputPath '$out'; exit `$LASTEXITCODE"
    $script:packOutput = Invoke-ChildScript $pack
    # A profile as a new user has one: .NET gives no application-data folder when ~/.local/share or ~/.config is
    # missing, and PSResourceGet and NuGet would then keep their settings in the current directory.
    $script:userHome = (New-Item -ItemType Directory (Join-Path $TestDrive 'home/.local/share'), (Join-Path $TestDrive 'home/.config') -Force)[0].Parent.Parent.FullName
    function Invoke-AsNewUser([string] $Script) {
        $path = Join-Path $TestDrive "step-$([guid]::NewGuid()).ps1"
        Set-Content $path $Script
        $savedHome = $env:HOME
        try {
            $env:HOME = $userHome
            Invoke-ChildScript $path
        } finally { $env:HOME = $savedHome }
    }
}

Describe 'The published package' {
    It 'is a .nupkg with the manifest, the assemblies, the help and the license' {
        $nupkg = Join-Path $out "AvaSdk.$version.nupkg"
        $nupkg | Should -Exist -Because "build.ps1 Package said: $packOutput"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($nupkg)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($file in 'AvaSdk.psd1', 'LICENSE', 'DejaVuSans-LICENSE.txt', 'module/bin/AvaSdk.Loader.dll', 'module/bin/AvaSdk.PowerShell.dll', 'module/bin/dependencies/AvaSdk.Core.dll', 'module/bin/dependencies/Serilog.dll', 'module/bin/dependencies/ScottPlot.dll', 'module/bin/dependencies/runtimes/linux-x64/native/libSkiaSharp.so', 'en-US/AvaSdk.PowerShell.dll-Help.xml', 'en-US/about_AvaSdk.help.txt', 'module/AvaSdk.Format.ps1xml') {
            $entries | Should -Contain $file
        }
        $entries | Where-Object { $_ -like '*System.Management.Automation*' } | Should -BeNullOrEmpty -Because 'the engine assembly never ships'
    }

    It 'ships the README with every page and picture it links, so its links work in the installed folder' {
        $readme = Get-Content "$root/README.md"
        $readme.Count | Should -BeLessThan 200 -Because 'the README is what a user reads in five minutes; the rest is in docs/guide'
        $links = @([regex]::Matches(($readme -join "`n"), '\]\((?!https?:)([^)#]+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object -Unique)
        $links | Should -Contain 'docs/guide/reliability.md'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead((Join-Path $out "AvaSdk.$version.nupkg"))
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        $entries | Should -Contain 'README.md'
        foreach ($link in $links) {
            Join-Path $root $link | Should -Exist -Because "the README links '$link'"
            $entries | Should -Contain $link -Because "the README links '$link'"
        }
        # The guide's own relative links, to each other and back to the README.
        foreach ($page in Get-ChildItem "$root/docs/guide" -Filter *.md) {
            foreach ($link in [regex]::Matches((Get-Content $page -Raw), '\]\((?!https?:)([^)#]+)') | ForEach-Object { $_.Groups[1].Value }) {
                Join-Path $page.DirectoryName $link | Should -Exist -Because "$($page.Name) links '$link'"
            }
        }
    }

    It 'publishes to a file-system feed, installs by name, and runs a job from the installed copy in a fresh pwsh' {
        $feed = (New-Item -ItemType Directory (Join-Path $TestDrive 'feed')).FullName
        $published = @(Invoke-AsNewUser @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name TeamFeed -Uri '$feed' -Trusted
Publish-PSResource -NupkgPath '$out/AvaSdk.$version.nupkg' -Repository TeamFeed
Install-PSResource AvaSdk -Repository TeamFeed -Scope CurrentUser -TrustRepository
(Get-InstalledPSResource AvaSdk).Version.ToString()
"@)
        $published[-1] | Should -Be $version -Because "publishing and installing said: $published"
        Join-Path $feed "AvaSdk.$version.nupkg" | Should -Exist

        $work = (New-Item -ItemType Directory (Join-Path $TestDrive 'job/params') -Force).Parent.FullName
        Set-Content "$work/params/default.json" '{ "lr": 0.1, "solverOps": { "batchSize": 64 } }'
        $job = @(Invoke-AsNewUser @"
`$ErrorActionPreference = 'Stop'
foreach (`$name in 'AVA_API_HOST', 'AVA_METRICS_URL', 'AVA_ACCESS_KEY', 'AVA_SECRET_KEY', 'AVA_BUCKET', 'AVA_TRAINING_INSTANCE_ID') { Remove-Item "env:`$name" -ErrorAction Ignore }
`$env:AVA_WORKSPACE = '$work'
Set-Location '$work'
Import-Module AvaSdk
`$lr = Get-AvaParam lr
`$train = New-AvaTrainInstance -Id installed
`$metrics = Invoke-AvaTraining sh -ArgumentList '-c', 'echo "Iteration 100, loss = 0.5" >&2; echo "Iteration 200, loss = 0.25" >&2' -Framework Caffe
Complete-AvaTrainInstance `$train
# The chart needs SkiaSharp's native library and the font, both from the installed copy.
`$chart = `$metrics | Export-AvaChart '$work/curves.png' -Width 400 -Height 300
[pscustomobject]@{
    ModuleBase = (Get-Module AvaSdk).ModuleBase
    Version    = (Get-Module AvaSdk).Version.ToString()
    Lr         = `$lr
    Losses     = @(`$metrics | Where-Object Name -eq 'loss' | ForEach-Object Value)
    Status     = `$train.Status.ToString()
    Chart      = `$chart.FullName
    Skia       = @((Get-Content /proc/self/maps) -match 'libSkiaSharp' | ForEach-Object { (`$_ -split '\s+')[-1] } | Select-Object -Unique)
    Synopsis   = (Get-Help Invoke-AvaTraining).Synopsis
    Assemblies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -like 'AvaSdk*' } | ForEach-Object Location)
} | ConvertTo-Json -Compress
"@)
        $result = $job[-1] | ConvertFrom-Json
        $result.ModuleBase | Should -BeLike "$userHome/*" -Because "the job said: $job"
        $result.Version | Should -Be $version
        $result.Lr | Should -Be 0.1
        $result.Losses | Should -Be @(0.5, 0.25)
        $result.Status | Should -Be 'Done'
        $result.Synopsis | Should -Not -BeNullOrEmpty -Because 'the help ships with the module'
        $result.Assemblies | Should -Not -BeNullOrEmpty
        $result.Assemblies | Where-Object { $_ -notlike "$userHome/*" } | Should -BeNullOrEmpty -Because 'nothing is loaded from the repository'
        (Get-Content "$work/run/installed/status.json" -Raw | ConvertFrom-Json).status | Should -Be 'done'
        $result.Chart | Should -Be "$work/curves.png"
        $png = & python3 "$PSScriptRoot/oracles/png_columns.py" $result.Chart 1 | ConvertFrom-Json
        ($png.width, $png.height) | Should -Be @(400, 300)
        $png.columns[0] | Should -BeGreaterThan 50 -Because 'the installed module draws the loss curve'
        $result.Skia | Should -Not -BeNullOrEmpty
        $result.Skia | Where-Object { $_ -notlike "$userHome/*" } | Should -BeNullOrEmpty -Because 'SkiaSharp''s native library comes from the installed module'
    }
}
