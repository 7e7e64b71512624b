@{
    RootModule           = 'module/bin/AvaSdk.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5d0c6a8e-3f4b-4c1e-9a57-2b8e6f1d7c43'
    Author               = 'AvaSdk'
    CompanyName          = 'AvaSdk'
    Copyright            = '(c) AvaSdk. All rights reserved.'
    Description          = 'Training-job SDK for the AVA deep-learning platform (Qiniu): job parameters, training instances, training runs with live metrics, and Kodo / http(s) file transfers.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('module/AvaSdk.Format.ps1xml')
    CmdletsToExport      = @(
        'Get-AvaParam'
        'New-AvaTrainInstance'
        'Complete-AvaTrainInstance'
        'Invoke-AvaTraining'
        'Send-AvaFile'
        'Receive-AvaFile'
        'Get-AvaConfig'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('AVA', 'Qiniu', 'Kodo', 'Training', 'MachineLearning', 'Caffe', 'MXNet')
            ProjectUri = ''
        }
    }
}
