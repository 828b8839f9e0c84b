@{
    # The single source of truth for the module's version and exports; the build reads the version from here.
    RootModule             = 'NebulaVideo.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '5b0f7f5e-8d6c-4a58-9f3e-2c1e7a9d4b61'
    Author                 = 'NebulaVideo contributors'
    CompanyName            = 'NebulaVideo'
    Copyright              = '(c) NebulaVideo contributors. MIT License.'
    Description            = 'Turns images and prompts into videos with hosted video-generation models (wan2.5-i2v-preview and sora-2 on the Nebula gateway, wan2.5-image-to-video and wan2.6-image-to-video on the unified gateway): submit, wait, download and price them from the PowerShell pipeline, several gateways in one session.'
    # Where the cmdlet pages live online, the folder each cmdlet's 'Online Version' link points into.
    HelpInfoURI            = 'https://github.com/NebulaVideo/NebulaVideo/tree/main/docs/cmdlets'
    CompatiblePSEditions   = @('Desktop', 'Core')
    PowerShellVersion      = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('NebulaVideo.Format.ps1xml')
    CmdletsToExport        = @(
        'Clear-NebulaVideoJournal'
        'Get-NebulaVideoJournal'
        'Connect-NebulaVideo'
        'Disconnect-NebulaVideo'
        'Get-NebulaVideoConnection'
        'Get-NebulaVideoRequestContext'
        'Set-NebulaVideoRequestContext'
        'New-NebulaVideo'
        'Get-NebulaVideoTask'
        'Wait-NebulaVideoTask'
        'Save-NebulaVideo'
        'Measure-NebulaVideoCost'
        'Get-NebulaVideoModel'
        'Connect-NebulaVideoStorage'
        'Get-NebulaVideoStorage'
        'Disconnect-NebulaVideoStorage'
        'Remove-NebulaVideoStagedImage'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Video', 'AI', 'ImageToVideo', 'Sora', 'Wan', 'Nebula', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/NebulaVideo/NebulaVideo'
            LicenseUri   = 'https://github.com/NebulaVideo/NebulaVideo/blob/main/LICENSE'
            ReleaseNotes = 'See https://github.com/NebulaVideo/NebulaVideo/blob/main/CHANGELOG.md. 0.1.0: both gateways (Nebula: wan2.5-i2v-preview, sora-2; unified: wan2.5-image-to-video, wan2.6-image-to-video), named connections, an open model catalog, a task journal that never pays twice, batches at the account''s pace.'
        }
    }
}
