@{
    # No root module: the loader first (it isolates the dependencies, see src/AvaSdk.Loader), then the cmdlets.
    NestedModules        = @('module/bin/AvaSdk.Loader.dll', 'module/bin/AvaSdk.PowerShell.dll')
    # The one place the version is kept: Directory.Build.props reads it for the assemblies.
    ModuleVersion        = '0.3.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5d0c6a8e-3f4b-4c1e-9a57-2b8e6f1d7c43'
    Author               = 'AvaSdk'
    CompanyName          = 'AvaSdk'
    Copyright            = '(c) 2026 The AvaSdk authors. MIT License (LICENSE in the module folder).'
    Description          = 'Training-job SDK for the AVA deep-learning platform (Qiniu): job parameters, training instances, training runs with live metrics, and Kodo / http(s) file transfers.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('module/AvaSdk.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-AvaParam'
        'New-AvaTrainInstance'
        'Get-AvaTrainInstance'
        'Write-AvaLog'
        'Write-AvaMetric'
        'Get-AvaMetric'
        'Complete-AvaTrainInstance'
        'Invoke-AvaTraining'
        'Send-AvaFile'
        'Receive-AvaFile'
        'Get-AvaConfig'
        'Publish-AvaModel'
        'Export-AvaChart'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            # No ProjectUri, LicenseUri or HelpInfoURI: the project has no public address yet, and an empty one
            # stops Publish-PSResource. The license ships in the package as LICENSE.
            Tags         = @('AVA', 'Qiniu', 'Kodo', 'Training', 'MachineLearning', 'Caffe', 'MXNet', 'Linux', 'PSEdition_Core')
            ReleaseNotes = @'
0.3.0
- Breaking: Get-AvaParam without -Default writes a non-terminating error for a missing key (AvaParamNotFound,
  naming the closest keys: "did you mean solver.lr?") or a missing file (AvaParamFileNotFound) instead of
  returning $null (with a warning for a missing file). -Default, $null included, returns the default quietly;
  -Required still stops; a key holding JSON null still returns $null. Give -Default where a value may be missing.
0.2.0
- Nothing lost, nothing escapes: training.log is the queue (flat memory), metrics.jsonl with a delivered position
  (every metric reaches the endpoint once, also after kill -9), one owner per instance, no orphaned trainers,
  SIGTERM passed on, a full disk handled (AvaDiskFull), snapshot uploads and model records in the run's outbox,
  downloads that never write outside -Destination, resumed uploads checked against the file.
- Run folders written by 0.1.0 are still delivered and moved to layout 2.
0.1.0
- First release.
'@
        }
    }
}
