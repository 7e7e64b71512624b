# Export-AvaChart's files are read back by readers that are not the product's: the PNG by tests/oracles/png_columns.py
# (Python's zlib and struct), the SVG by the XML parser, the HTML page by Debian's headless chromium with networking off.
BeforeAll {
    Import-Module (Resolve-Path "$PSScriptRoot/../AvaSdk.psd1").Path -Force
    Import-Module "$PSScriptRoot/helpers/TestFixtures.psm1" -Force
    $script:chromium = (Get-Command chromium -CommandType Application -ErrorAction Ignore | Select-Object -First 1).Source
    if (-not $chromium -and $env:CI -eq 'true') { throw 'chromium is not installed: .ci/run must install Debian''s chromium package.' }

    # A training log replayed through Invoke-AvaTraining, as the Invoke-AvaTraining specs do.
    function Get-LogMetrics([string] $Log, [string] $Framework) {
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive ([guid]::NewGuid()))).FullName
        Push-Location $workspace
        try {
            $train = New-AvaTrainInstance -Id run -Workspace $workspace
            Invoke-AvaTraining sh -ArgumentList '-c', 'cat "$1" >&2', 'replay', $Log -Framework $Framework -TrainInstance $train -WarningAction SilentlyContinue
            Complete-AvaTrainInstance $train -WarningAction SilentlyContinue
        } finally { Pop-Location }
    }
    # Per panel (equal bands below the title), how many pixel columns hold a coloured pixel: the curves are the only colour.
    function Get-PngColumns([string] $Path, [int] $Panels, [int] $Top = 0) {
        $json = & python3 "$PSScriptRoot/oracles/png_columns.py" $Path $Panels $Top
        if ($LASTEXITCODE -ne 0) { throw "png_columns.py could not read '$Path': $json" }
        $json | ConvertFrom-Json
    }
    function New-Metric([string] $Name, [double] $Value, [long] $Iteration, [string] $Phase = 'Train', [string] $Instance = 'run1') {
        [AvaSdk.Metric]::new($Name, $Value, $Iteration, $null, $Phase, 'Caffe', [DateTimeOffset]::new(2026, 1, 1, 0, 0, 0, [TimeSpan]::Zero).AddSeconds($Iteration), $Instance, $Iteration)
    }
    # A Caffe log of our own, shaped like the cifar10 quick run.
    $script:caffe = @(Get-LogMetrics (New-CaffeTestLog (Join-Path $TestDrive 'caffe.log')) Caffe)
}

Describe 'Export-AvaChart' {
    It 'draws a real Caffe run as a PNG of the size asked for, with a curve in every panel' {
        $names = @($caffe.Name | Select-Object -Unique)
        $names.Count | Should -Be 4 -Because 'the cifar10 log has accuracy, loss, output:loss and lr'
        $file = $caffe | Export-AvaChart (Join-Path $TestDrive 'caffe.png') -Title 'cifar10' -Width 900 -Height 940

        $file | Should -BeOfType ([IO.FileInfo])
        $file.FullName | Should -Be (Join-Path $TestDrive 'caffe.png')
        # output:loss is drawn in the panel of loss: three panels.
        $png = Get-PngColumns $file.FullName -Panels 3 -Top 40
        $png.width | Should -Be 900
        $png.height | Should -Be 940
        foreach ($panel in 0..2) {
            $png.columns[$panel] | Should -BeGreaterThan 300 -Because "panel $panel must show a curve across its width"
        }
    }

    Context 'a small run (5 loss points from iteration 0, 3 of accuracy), drawn as an SVG' {
        BeforeAll {
            $metrics = @(
                0..4 | ForEach-Object { New-Metric loss (2 / ($_ + 1)) ($_ * 10) }
                0..2 | ForEach-Object { New-Metric accuracy (0.1 + 0.2 * $_) ($_ * 20) Test }
            )
            $script:small = [xml](Get-Content -Raw ($metrics | Export-AvaChart (Join-Path $TestDrive 'small.svg')).FullName)
            # A panel's data area is the clip of its curves, the panel's first clip.
            function Get-DataArea($panel) {
                $rect = @($panel.clipPath)[0].rect
                [pscustomobject]@{ Right = [double]$rect.x + [double]$rect.width; Bottom = [double]$rect.y + [double]$rect.height }
            }
        }

        It 'has each panel''s legend beside its data area, where it covers no curve' {
            foreach ($panel in $small.svg.svg) {
                $legend = @($panel.rect | Where-Object stroke -eq 'black')
                $legend.Count | Should -Be 1 -Because 'the legend is the one framed box'
                [double]$legend[0].x | Should -BeGreaterOrEqual (Get-DataArea $panel).Right -Because "the legend of $($panel.GetAttribute('data-metric')) is right of its data area"
            }
        }

        It 'stacks the data areas exactly one above the other, so an iteration is at the same x in every panel' {
            $areas = @($small.svg.svg | ForEach-Object { @($_.clipPath)[0].rect })
            $areas.Count | Should -Be 2
            $areas.x | Select-Object -Unique | Should -HaveCount 1 -Because "the data areas start at $($areas.x)"
            $areas.width | Select-Object -Unique | Should -HaveCount 1 -Because "the data areas are $($areas.width) wide"
        }

        It 'labels the lines of one instance without its id, of several with theirs' {
            $small.SelectNodes('//*[local-name()="text"]').InnerText.Trim() | Should -Not -Match 'run1'
            $small.SelectNodes('//*[local-name()="text"]').InnerText.Trim() | Should -Contain 'train'

            $two = @(New-Metric loss 1 1; New-Metric loss 2 2; New-Metric loss 1 1 Train run2; New-Metric loss 2 2 Train run2)
            $labels = ([xml](Get-Content -Raw ($two | Export-AvaChart (Join-Path $TestDrive 'two.svg')).FullName)).SelectNodes('//*[local-name()="text"]').InnerText.Trim()
            $labels | Should -Contain 'run1 train'
            $labels | Should -Contain 'run2 train'
        }

        It 'marks each point of a series of few points with a dot' {
            $accuracy = $small.svg.svg | Where-Object { $_.GetAttribute('data-metric') -eq 'accuracy' }
            @(@($accuracy.g)[0].ellipse).Count | Should -Be 3 -Because 'the data area holds a dot for each of the 3 points'
        }

        It 'starts the x axis at the first iteration, 0' {
            foreach ($panel in $small.svg.svg) {
                $bottom = (Get-DataArea $panel).Bottom
                # The x axis's tick labels are the texts just under the data area.
                $ticks = @($panel.SelectNodes('.//*[local-name()="text"]') |
                    Where-Object { $_.transform -match 'translate\(\S+ (\S+)\)' -and [double]$Matches[1] -gt $bottom -and [double]$Matches[1] -lt $bottom + 20 } |
                    ForEach-Object { $_.InnerText.Trim() })
                $ticks[0] | Should -Be '0' -Because "the x axis of $($panel.GetAttribute('data-metric')) has the ticks $ticks"
            }
        }
    }

    It 'draws output:X in the panel of X when both came, and in a panel of its own otherwise' {
        $metrics = foreach ($i in 1..20) { New-Metric 'output:loss' (1.1 / $i) $i; New-Metric loss (1 / $i) $i; New-Metric lr 0.01 $i }
        $svg = [xml](Get-Content -Raw ($metrics | Export-AvaChart (Join-Path $TestDrive 'outputs.svg')).FullName)
        @($svg.svg.svg).GetAttribute('data-metric') | Should -Be @('loss', 'lr')
        $loss = @($svg.svg.svg)[0].SelectNodes('.//*[local-name()="text"]').InnerText.Trim()
        $loss | Should -Contain 'train'
        $loss | Should -Contain 'train output'
        @(@($svg.svg.svg)[0].SelectNodes('.//*[local-name()="path"][@stroke-width="4" and @stroke-opacity]')).Count | Should -BeGreaterThan 0 -Because 'the output line is wide and half transparent, so the loss on it shows through'

        $alone = 1..5 | ForEach-Object { New-Metric 'output:loss' (1 / $_) $_ }
        $svg = [xml](Get-Content -Raw ($alone | Export-AvaChart (Join-Path $TestDrive 'alone.svg')).FullName)
        @($svg.svg.svg).GetAttribute('data-metric') | Should -Be @('output:loss')
    }

    It 'takes the format from the extension, or from -Format, and says which are known' {
        $metrics = 1..20 | ForEach-Object { New-Metric loss (1 / $_) $_ }
        (Get-Content -AsByteStream -TotalCount 8 ($metrics | Export-AvaChart (Join-Path $TestDrive 'a.PNG')).FullName) | Should -Be @(0x89, 0x50, 0x4E, 0x47, 13, 10, 26, 10)
        [xml](Get-Content -Raw ($metrics | Export-AvaChart (Join-Path $TestDrive 'b.chart') -Format Svg).FullName) | Should -Not -BeNullOrEmpty
        { $metrics | Export-AvaChart (Join-Path $TestDrive 'c.txt') } | Should -Throw -ErrorId 'AvaChartFormatUnknown,AvaSdk.PowerShell.Cmdlets.ExportAvaChartCommand'
        Join-Path $TestDrive 'c.txt' | Should -Not -Exist
    }

    It 'writes an SVG that parses as XML, with one panel per metric name of a real MXNet run' {
        $log = Get-TestFixture mxnet/tornadomeet-resnet-164.log
        if (-not $log) { return }
        $mxnet = Get-LogMetrics $log MXNet
        $names = @($mxnet.Name | Select-Object -Unique)
        $file = $mxnet | Export-AvaChart (Join-Path $TestDrive 'mxnet.svg')

        $svg = [xml](Get-Content -Raw $file.FullName)
        $panels = @($svg.svg.svg)
        $panels.Count | Should -Be $names.Count
        $panels.GetAttribute('data-metric') | Should -Be $names
        [int]$svg.svg.height | Should -Be (300 * $names.Count)
        foreach ($panel in $panels) {
            # Axes, grid and text are grey; a curve and its legend sample are in the series' colour.
            $coloured = @($panel.SelectNodes('.//*[local-name()="path"]') | Where-Object { $_.stroke -match '^#(..)(..)(..)$' -and -not ($Matches[1] -eq $Matches[2] -and $Matches[2] -eq $Matches[3]) })
            $coloured.Count | Should -BeGreaterThan 1 -Because "the panel of $($panel.GetAttribute('data-metric')) draws a curve"
        }
    }

    It 'writes an HTML page that headless chromium renders with networking off into a picture that is not blank' {
        if (-not $chromium) { Set-ItResult -Skipped -Because 'chromium is not installed on this machine (apt-get install chromium); CI installs it' }
        $file = $caffe | Export-AvaChart (Join-Path $TestDrive 'caffe.html') -Width 800 -Height 900
        $html = Get-Content -Raw $file.FullName
        $html | Should -Not -Match '<(script|link|img)[^>]*\b(src|href)\s*=' -Because 'the page fetches nothing'

        $screenshot = Join-Path $TestDrive 'screenshot.png'
        $profile = Join-Path $TestDrive 'chromium-profile'
        # No network at all: every host resolves to nothing and any proxy use goes to a closed port.
        $output = & $chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=$profile `
            --proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' `
            --window-size=800,900 --screenshot=$screenshot "file://$($file.FullName)" 2>&1
        $screenshot | Should -Exist -Because "chromium said: $output"
        $png = Get-PngColumns $screenshot -Panels 3
        $png.width | Should -Be 800
        foreach ($panel in 0..2) { $png.columns[$panel] | Should -BeGreaterThan 300 -Because "panel $panel of the page must show a curve" }
    }

    It 'draws NaN and infinities as gaps, not as a failure or an empty panel' {
        $metrics = foreach ($i in 1..200) {
            $value = switch ($i % 10) { 3 { [double]::NaN } 6 { [double]::PositiveInfinity } 9 { [double]::NegativeInfinity } default { 1 + [math]::Sin($i / 20) } }
            New-Metric loss $value $i
            New-Metric accuracy ($(if ($i -le 100) { [double]::NaN } else { $i / 200 })) $i Test
        }
        $file = $metrics | Export-AvaChart (Join-Path $TestDrive 'gaps.png') -Width 600 -Height 600
        $png = Get-PngColumns $file.FullName -Panels 2
        $png.columns[0] | Should -BeGreaterThan 200 -Because 'the loss has finite values between its gaps'
        $png.columns[1] | Should -BeGreaterThan 100 -Because 'the accuracy is finite for its second half'

        $onlyNaN = 1..5 | ForEach-Object { New-Metric loss ([double]::NaN) $_ }
        ($onlyNaN | Export-AvaChart (Join-Path $TestDrive 'nan.svg')).Length | Should -BeGreaterThan 0
    }

    It 'draws extreme finite values (±1.7976931348623157e308, 1e308 beside -1e308) on clamped axes, not as a failure' {
        $metrics = foreach ($i in 1..100) {
            New-Metric max ($(if ($i -eq 50) { [double]::MaxValue } else { [math]::Sin($i / 10) })) $i
            New-Metric min ($(if ($i -eq 50) { [double]::MinValue } else { [math]::Sin($i / 10) })) $i
            New-Metric huge ([double]::MaxValue * [math]::Sin($i / 10)) $i
            New-Metric both 1e308 $i Train
            New-Metric both -1e308 $i Test
        }
        $file = $metrics | Export-AvaChart (Join-Path $TestDrive 'extreme.png') -Width 600 -Height 1200
        $png = Get-PngColumns $file.FullName -Panels 4
        foreach ($panel in 0..3) { $png.columns[$panel] | Should -BeGreaterThan 200 -Because "panel $panel draws its curves across its width" }
    }

    It 'draws 1,000,000 metrics streamed from a training into a file whose size does not grow with them' {
        $workspace = (New-Item -ItemType Directory (Join-Path $TestDrive 'million')).FullName
        Push-Location $workspace
        try {
            $train = New-AvaTrainInstance -Id million -Workspace $workspace
            $lines = 'BEGIN { for (i = 1; i <= N; i++) printf "Iteration %d, loss = %.6f\n", i, exp(-i / 300000) + (i % 1000) / 5000 }'
            $svg = Invoke-AvaTraining sh -ArgumentList '-c', "awk -v N=1000000 '$lines' >&2" -Framework Caffe -TrainInstance $train |
                Export-AvaChart (Join-Path $TestDrive 'million.svg') -Width 1000
            $reference = Get-Content (Join-Path $train.RunPath 'metrics.jsonl') -TotalCount 10000 | ForEach-Object { $_ | ConvertFrom-Json } |
                ForEach-Object { New-Metric loss $_.value $_.iteration 'Train' 'million' } | Export-AvaChart (Join-Path $TestDrive 'ten-thousand.svg') -Width 1000
            Complete-AvaTrainInstance $train -WarningAction SilentlyContinue
        } finally { Pop-Location }

        (Get-Content (Join-Path $train.RunPath 'metrics.jsonl') | Measure-Object -Line).Lines | Should -Be 1000000
        [xml](Get-Content -Raw $svg.FullName) | Should -Not -BeNullOrEmpty
        $svg.Length | Should -BeLessThan (2 * $reference.Length) -Because "1,000,000 points are drawn as few points a pixel column: $($svg.Length) bytes, against $($reference.Length) for 10,000"
    }

    It 'fails on no metrics, a panel too small, a missing folder and an unwritable file, and writes nothing' {
        { @() | Export-AvaChart (Join-Path $TestDrive 'empty.png') } | Should -Throw -ErrorId 'AvaChartEmpty,AvaSdk.PowerShell.Cmdlets.ExportAvaChartCommand'
        $three = 'a', 'b', 'c' | ForEach-Object { New-Metric $_ 1 1 }
        $tooSmall = { $three | Export-AvaChart (Join-Path $TestDrive 'small.png') -Height 300 } | Should -Throw -ErrorId 'AvaChartTooSmall,AvaSdk.PowerShell.Cmdlets.ExportAvaChartCommand' -PassThru
        $tooSmall.ErrorDetails.Message | Should -Match '-Height'
        { $three | Export-AvaChart (Join-Path $TestDrive 'no/such/folder.png') } | Should -Throw -ErrorId 'AvaChartWriteFailed,AvaSdk.PowerShell.Cmdlets.ExportAvaChartCommand'
        $taken = New-Item -ItemType Directory (Join-Path $TestDrive 'taken.png')
        $unwritable = { $three | Export-AvaChart $taken.FullName } | Should -Throw -ErrorId 'AvaChartWriteFailed,AvaSdk.PowerShell.Cmdlets.ExportAvaChartCommand' -PassThru
        $unwritable.CategoryInfo.Category | Should -Be 'WriteError'
        Get-ChildItem $TestDrive -Filter 'empty.png' | Should -BeNullOrEmpty
        Get-ChildItem $TestDrive -Filter 'small.png' | Should -BeNullOrEmpty
    }
}
