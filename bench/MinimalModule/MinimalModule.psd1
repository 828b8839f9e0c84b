@{
    RootModule        = 'MinimalModule.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '0d6c2a57-3f1e-4b8e-9c1a-6a0b8f7e2d13'
    PowerShellVersion = '5.1'
    CmdletsToExport   = @('Get-MinimalGreeting')
    FunctionsToExport = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
