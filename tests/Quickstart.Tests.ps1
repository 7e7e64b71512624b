Describe 'examples/quickstart.ps1' {
    It 'runs a whole job end to end in a child pwsh: parameters, streamed metrics, snapshots, completion' {
        $workspace = Join-Path $TestDrive 'quickstart'
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $pwsh @prefix -NoProfile -NonInteractive -File "$PSScriptRoot/../examples/quickstart.ps1" -Workspace $workspace 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $text = $output | Out-String
        $text | Should -Match 'lr=0.01 \(Double\), iterations=300 \(Int64\), batch=8'
        $text | Should -Match 'iteration  300  loss 0\.\d{4}'
        $run = Get-ChildItem (Join-Path $workspace 'run') -Directory
        (Get-Content (Join-Path $run.FullName 'status.json') -Raw | ConvertFrom-Json).status | Should -Be 'done'
        $metrics = Get-Content (Join-Path $run.FullName 'metrics.jsonl') | ConvertFrom-Json
        @($metrics | Where-Object { $_.name -eq 'loss' -and $_.phase -eq 'Train' }).Count | Should -Be 16
        @($metrics | Where-Object { $_.name -eq 'output:loss' -and $_.phase -eq 'Train' }).Count | Should -Be 16
        @($metrics | Where-Object { $_.name -eq 'accuracy' -and $_.phase -eq 'Test' }).Count | Should -Be 4
        (Get-ChildItem (Join-Path $run.FullName 'output')).Name | Sort-Object | Should -Be @(
            'quick_iter_100.caffemodel', 'quick_iter_100.solverstate', 'quick_iter_200.caffemodel', 'quick_iter_200.solverstate',
            'quick_iter_300.caffemodel', 'quick_iter_300.solverstate')
        $text | Should -Match 'Curves: .*quickstart\.png'
        $png = & python3 "$PSScriptRoot/oracles/png_columns.py" (Join-Path $workspace 'quickstart.png') 1 | ConvertFrom-Json
        $png.width | Should -BeGreaterThan 0
        Join-Path $run.FullName 'curves.png' | Should -Exist -Because 'Complete-AvaTrainInstance draws the run too'
    }

    It 'build.ps1 Demo leaves git status and the docs picture as they were, removes its temp workspace and prints where its chart went' {
        $root = (Resolve-Path "$PSScriptRoot/..").Path
        $docsPicture = Join-Path $root 'docs/images/quickstart.png'
        $pictureBefore = (Get-FileHash $docsPicture).Hash
        $statusBefore = @(git -C $root status --porcelain --untracked-files=all)
        # The child's temp folder is this spec's, so a workspace left behind is seen.
        $temp = (New-Item -ItemType Directory (Join-Path $TestDrive 'demo-tmp')).FullName
        $out = Join-Path $TestDrive 'demo-out'
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $savedTemp = $env:TMPDIR
        $env:TMPDIR = $temp
        # -NoBuild: the test run has just built module/bin; building again would replace assemblies this session holds.
        try { $output = & $pwsh @prefix -NoProfile -NonInteractive -File "$root/build.ps1" Demo -NoBuild -OutputPath $out 2>&1 }
        finally { $env:TMPDIR = $savedTemp }
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $chart = Join-Path $out 'demo/quickstart.png'
        ($output | Out-String) | Should -Match ('Curves: ' + [regex]::Escape($chart))
        $chart | Should -Exist
        (Get-FileHash $docsPicture).Hash | Should -Be $pictureBefore -Because 'only Demo -RefreshDocsImage redraws the README''s picture'
        @(git -C $root status --porcelain --untracked-files=all) | Should -Be $statusBefore
        Get-ChildItem $temp -Filter 'ava-quickstart-*' | Should -BeNullOrEmpty -Because 'the quickstart removes the workspace it made'
    }

    It 'build.ps1 Demo -Nodes 2 removes the temporary workspace its nodes shared' {
        $root = (Resolve-Path "$PSScriptRoot/..").Path
        $temp = (New-Item -ItemType Directory (Join-Path $TestDrive 'multi-node-tmp')).FullName
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $savedTemp = $env:TMPDIR
        $env:TMPDIR = $temp
        try { $output = & $pwsh @prefix -NoProfile -NonInteractive -File "$root/build.ps1" Demo -Nodes 2 -NoBuild 2>&1 }
        finally { $env:TMPDIR = $savedTemp }
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        ($output | Out-String) | Should -Match 'node 1: done'
        Get-ChildItem $temp -Filter 'ava-multi-node-*' | Should -BeNullOrEmpty -Because 'the launcher removes the workspace it made'
    }

    It 'runs examples/multi-node.ps1: two nodes in two processes share one instance, which node 0 completes' {
        $workspace = Join-Path $TestDrive 'multi-node'
        $pwsh = [Environment]::ProcessPath
        $prefix = @(if ([IO.Path]::GetFileNameWithoutExtension($pwsh) -eq 'dotnet') { Join-Path $PSHOME 'pwsh.dll' })
        $output = & $pwsh @prefix -NoProfile -NonInteractive -File "$PSScriptRoot/../examples/multi-node.ps1" -Nodes 2 -Workspace $workspace 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
        $text = $output | Out-String
        $text | Should -Match 'node 0: last loss 0\.\d+ at iteration 200'
        $text | Should -Match 'node 1: last loss 0\.\d+ at iteration 200'
        $run = @(Get-ChildItem (Join-Path $workspace 'run') -Directory | Where-Object Name -NotLike '.*')
        $run | Should -HaveCount 1
        (Get-Content (Join-Path $run[0].FullName 'status.json') -Raw | ConvertFrom-Json).status | Should -Be 'done'
        foreach ($rank in 0, 1) {
            # Caffe's solver lines in the node's own log, counted without AvaSdk's parser.
            $solverLines = @(Get-Content (Join-Path $run[0].FullName "logs/training.$rank.log") | Where-Object { $_ -match 'Iteration \d+ \(.*\), loss = ' }).Count
            $solverLines | Should -BeGreaterThan 0
            @(Get-Content (Join-Path $run[0].FullName "metrics.$rank.jsonl") | ConvertFrom-Json | Where-Object { $_.name -eq 'loss' -and $_.phase -eq 'train' -and $_.node -eq $rank }).Count | Should -Be $solverLines
            Get-Content (Join-Path $run[0].FullName "logs/ava.$rank.log") -Raw | Should -Match "Node\[$rank\] Node $rank of 2 joined instance"
        }
    }
}
