#Requires -Version 7.2
<#
.SYNOPSIS
    Builds, tests, demonstrates and packages the NebulaVideo module.

.DESCRIPTION
    Tasks (run in the order given):
      Build    dotnet build of NebulaVideo.sln; leaves the importable module at out/NebulaVideo/.
      Help     regenerates the module's MAML help from docs/cmdlets/*.md (needs Microsoft.PowerShell.PlatyPS).
      Test     Build, then every test: the xUnit suites (core, emulator, engine), the Pester suites and
               PSScriptAnalyzer on the project's own scripts. The Azure Storage tests run against Azurite
               (package.json), which this task installs with npm ci and starts on 127.0.0.1 with an account of
               its own; without Node.js they are skipped, with the reason. Ends with the line
               'N passed, N failed', and ', K skipped' after it when tests or checks were skipped.
      Demo     Build, start the emulator of both gateways on 127.0.0.1, turn samples/stills/*.png into MP4
               files, run the CSV runbook samples/jobs.csv over all four models (one pipeline over both
               gateways), and, where Node.js can run Azurite, turn the same stills into videos with
               wan2.6-image-to-video by staging them in a local blob container, all into out/demo/: no key,
               no network, no cost.
      Package  Build in Release and publish the module to a local folder repository (out/package/) as
               a .nupkg ready for the PowerShell Gallery.

    Needs the .NET SDK 10 and nothing else: `dotnet tool restore` then `dotnet pwsh -File build.ps1 ...` runs it
    on the PowerShell pinned in dotnet-tools.json, and the build restores Pester (pinned in
    Directory.Packages.props) from NuGet into out/tools/Pester. PSScriptAnalyzer and Microsoft.PowerShell.PlatyPS
    are only in the PowerShell Gallery: they are used when installed, and each check they make is reported as
    skipped when they are not; so are the Azure Storage tests without Node.js 20+ and npm
    (NEBULAVIDEO_REQUIRE_ALL_CHECKS=1 turns a skip into a failure, as CI does).

.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File build.ps1 Demo

.EXAMPLE
    dotnet tool restore; dotnet pwsh -NoProfile -File build.ps1 Test -Configuration Release
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Help', 'Test', 'Demo', 'Package')]
    [string[]] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Debug'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$ModuleFolder = Join-Path $Root 'out/NebulaVideo'
Import-Module (Join-Path $Root 'tools/NebulaEmulator.psm1') -Force
Import-Module (Join-Path $Root 'tools/Azurite.psm1') -Force

function Invoke-Native {
    # Runs a native command and stops the build when it fails.
    param([Parameter(Mandatory)][string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) { throw "$FilePath $($ArgumentList -join ' ') failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    param([string] $Configuration)
    # No MSBuild nodes kept alive between runs: each build starts clean, and nothing lingers after CI.
    Invoke-Native dotnet @('build', (Join-Path $Root 'NebulaVideo.sln'), '-c', $Configuration, '--nologo', '-v', 'quiet', '-nodeReuse:false')
    Write-Information "Module laid out at $ModuleFolder" -InformationAction Continue
}

function Test-OptionalModule {
    # PSScriptAnalyzer and PlatyPS come only from the PowerShell Gallery: without them the build goes on and
    # says plainly what it did not check and how to get it. NEBULAVIDEO_REQUIRE_ALL_CHECKS (CI) makes a skip a failure.
    param([string] $Name, [string] $Check)
    if (Get-Module -ListAvailable -Name $Name) { return $true }
    $message = "Skipped $Check`: the module $Name is not installed. Install it with: Install-PSResource $Name -Scope CurrentUser"
    if ($env:NEBULAVIDEO_REQUIRE_ALL_CHECKS) { Write-Error $message -ErrorAction Continue }
    else { Write-Warning $message }
    $false
}

function Import-PlatyPS {
    # PlatyPS 1.0 carries its own Markdig. Where the host ships an older one (the PowerShell 7.6.9 dotnet tool
    # has Markdig 0.44, PlatyPS wants 1.6), Import-Module fails on the conflict; then PlatyPS and its
    # dependencies are loaded into an assembly load context of their own, and its cmdlets imported from there.
    $module = Get-Module -ListAvailable -Name Microsoft.PowerShell.PlatyPS | Sort-Object Version -Descending | Select-Object -First 1
    try {
        Import-Module $module.Path -ErrorAction Stop
    }
    catch [System.IO.FileLoadException] {
        $context = [System.Runtime.Loader.AssemblyLoadContext]::new('NebulaVideo.Build.PlatyPS', $false)
        foreach ($dependency in Get-ChildItem -LiteralPath (Join-Path $module.ModuleBase 'Dependencies') -Filter *.dll) {
            # Only what the host lacks or has older: a second copy of a framework assembly would split its types.
            $hostCopy = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq $dependency.BaseName } | Select-Object -First 1
            $own = [System.Reflection.AssemblyName]::GetAssemblyName($dependency.FullName)
            if (-not $hostCopy -or $hostCopy.GetName().Version -lt $own.Version) { $null = $context.LoadFromAssemblyPath($dependency.FullName) }
        }
        Import-Module -Assembly $context.LoadFromAssemblyPath((Join-Path $module.ModuleBase 'Microsoft.PowerShell.PlatyPS.dll'))
    }
}

function Move-ExampleCode {
    # PlatyPS 1.0 exports each example's markdown whole into its introduction, fences and all, and leaves the
    # code field empty; Get-Help then shows ```powershell lines. This moves the fenced code into dev:code and
    # the prose after it into the remarks, as Get-Help expects them.
    param([string] $MamlPath)
    $maml = [xml](Get-Content -LiteralPath $MamlPath -Raw)
    $ns = [System.Xml.XmlNamespaceManager]::new($maml.NameTable)
    $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
    $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
    $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
    foreach ($example in $maml.SelectNodes('//command:example', $ns)) {
        $introduction = $example.SelectSingleNode('maml:introduction', $ns)
        $code = [System.Collections.Generic.List[string]]::new()
        $remarks = [System.Collections.Generic.List[string]]::new()
        foreach ($para in @($introduction.SelectNodes('maml:para', $ns))) {
            $text = $para.InnerText
            if ($text -match '^\s*```') { $code.Add(($text -replace '^\s*```[A-Za-z]*\r?\n?', '' -replace '\r?\n?```\s*$', '')) }
            elseif ($text.Trim() -and $text -notmatch '^[\x80\s]*$') { $remarks.Add($text) }
            $null = $introduction.RemoveChild($para)
        }
        $example.SelectSingleNode('dev:code', $ns).InnerText = $code -join [Environment]::NewLine
        $remarksNode = $example.SelectSingleNode('dev:remarks', $ns)
        # An empty last paragraph: Get-Help then leaves a blank line before the next example's title.
        foreach ($text in @($remarks) + '') {
            $para = $maml.CreateElement('maml', 'para', 'http://schemas.microsoft.com/maml/2004/10')
            $para.InnerText = $text
            $null = $remarksNode.AppendChild($para)
        }
    }
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($MamlPath, $settings)
    try { $maml.Save($writer) } finally { $writer.Dispose() }
}

function Export-HelpFile {
    # The MAML help generated from docs/cmdlets/*.md into a folder; returns the file.
    param([string] $OutputFolder)
    Get-ChildItem -LiteralPath (Join-Path $Root 'docs/cmdlets') -Filter '*-*.md' |
        Import-MarkdownCommandHelp |
        Export-MamlCommandHelp -OutputFolder $OutputFolder -Force | Out-Null
    $file = Join-Path $OutputFolder 'NebulaVideo/NebulaVideo.dll-Help.xml'
    Move-ExampleCode $file
    Get-Item -LiteralPath $file
}

function Test-HelpFileCurrent {
    Import-PlatyPS
    $staging = Join-Path $Root 'out/help-check'
    Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    $generated = Get-Content -LiteralPath (Export-HelpFile $staging).FullName -Raw
    $committed = Get-Content -LiteralPath (Join-Path $Root 'src/NebulaVideo/en-US/NebulaVideo.dll-Help.xml') -Raw
    # PlatyPS stamps nothing variable into MAML, so the text compares as it is (line ends aside).
    if (($generated -replace '\r\n', "`n") -ceq ($committed -replace '\r\n', "`n")) {
        Write-Information 'Help check: src/NebulaVideo/en-US is what docs/cmdlets generates.' -InformationAction Continue
        return $true
    }
    Write-Error 'Help check: src/NebulaVideo/en-US/NebulaVideo.dll-Help.xml is stale: docs/cmdlets changed since it was generated. Run ./build.ps1 Help and commit the result.' -ErrorAction Continue
    $false
}

function Repair-ParameterType {
    # PlatyPS writes a nullable parameter's type as the CLR spells it (System.Nullable`1[System.Int32]) whenever
    # it creates or updates a page from the cmdlet, and Get-Help prints that as it is. The cmdlets declare int?
    # and the like only to tell "not given" from 0: a user passes a plain Int32, so the pages name the plain type.
    # Run before each export, so a page PlatyPS has updated is put right in docs/cmdlets and in the MAML alike.
    $folder = Join-Path $Root 'docs/cmdlets'
    foreach ($file in Get-ChildItem -LiteralPath $folder -Filter '*-*.md') {
        $text = [System.IO.File]::ReadAllText($file.FullName)
        $plain = [regex]::Replace($text, '(?m)^(Type:\s*)System\.Nullable`1\[([^\]]+)\]', '$1$2')
        if ($plain -cne $text) {
            [System.IO.File]::WriteAllText($file.FullName, $plain, [System.Text.UTF8Encoding]::new($false))
            Write-Information "Parameter types in $($file.Name) changed from Nullable to plain." -InformationAction Continue
        }
    }
}

function Build-HelpFile {
    if (-not (Test-OptionalModule Microsoft.PowerShell.PlatyPS 'regenerating the MAML help from docs/cmdlets (the committed help is used)')) { return }
    Repair-ParameterType
    Import-PlatyPS
    $staging = Join-Path $Root 'out/help'
    Remove-Item -LiteralPath $staging -Recurse -Force -ErrorAction SilentlyContinue
    $file = Export-HelpFile $staging
    Copy-Item -LiteralPath $file.FullName (Join-Path $Root 'src/NebulaVideo/en-US') -Force
    Write-Information "MAML help written to src/NebulaVideo/en-US; the next build lays it out." -InformationAction Continue
}

function Invoke-Demo {
    param([string] $Configuration)
    Import-Module (Join-Path $ModuleFolder 'NebulaVideo.psd1') -Force
    $emulator = Start-NebulaEmulator -Configuration $Configuration -PhaseSeconds 1
    $variables = 'NEBULA_API_KEY', 'NEBULA_BASE_URI', 'UNIFIED_API_KEY', 'UNIFIED_BASE_URI', 'NEBULAVIDEO_JOURNAL',
        'NEBULAVIDEO_STORAGE_CONNECTION_STRING', 'NEBULAVIDEO_STORAGE_CONTAINER'
    $saved = @{}
    foreach ($name in $variables) { $saved[$name] = [Environment]::GetEnvironmentVariable($name) }
    try {
        # Both gateways from the environment, as a runbook would have them. Any key that starts with sk-
        # satisfies the emulator; nothing leaves this machine.
        $env:NEBULA_API_KEY = 'sk-emulator-demo-nebula'
        $env:NEBULA_BASE_URI = $emulator.GatewayUri
        $env:UNIFIED_API_KEY = 'sk-emulator-demo-unified'
        $env:UNIFIED_BASE_URI = $emulator.UnifiedUri
        # The demo's submissions are journaled beside its videos, not in the user's own journal.
        $env:NEBULAVIDEO_JOURNAL = Join-Path $Root 'out/demo/journal.jsonl'
        Write-Information "Emulator: Nebula gateway on $($emulator.GatewayUri), unified gateway on $($emulator.UnifiedUri), videos on $($emulator.StorageUri)" -InformationAction Continue
        Get-NebulaVideoConnection | Format-Table | Out-String | Write-Information -InformationAction Continue
        $output = Join-Path $Root 'out/demo'
        Remove-Item -LiteralPath $output -Recurse -Force -ErrorAction SilentlyContinue
        & (Join-Path $Root 'examples/Convert-FolderToVideo.ps1') -ImageFolder (Join-Path $Root 'samples/stills') -OutputFolder (Join-Path $output 'folder') -PollIntervalSec 1
        & (Join-Path $Root 'examples/Invoke-VideoRunbook.ps1') -JobFile (Join-Path $Root 'samples/jobs.csv') -OutputFolder (Join-Path $output 'runbook') -PollIntervalSec 1
        Invoke-StagedDemo -OutputFolder (Join-Path $output 'staged')
        # Paths under out/demo, so that names and sizes fit an 80-column console.
        Get-ChildItem -LiteralPath $output -Recurse -Filter *.mp4 |
            Select-Object @{ Name = "Video (under $output)"; Expression = { [IO.Path]::GetRelativePath($output, $_.FullName) } }, Length |
            Format-Table -AutoSize | Out-String | Write-Information -InformationAction Continue
    }
    finally {
        foreach ($name in $variables) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        $emulator | Stop-NebulaEmulator
    }
}

function Invoke-StagedDemo {
    # The same stills for wan2.6-image-to-video, which takes images only by URL: staged in a blob container of a
    # throwaway Azurite account (the runbook's environment pair names it), fetched from there by the emulator.
    param([string] $OutputFolder)
    if ($reason = Initialize-Azurite) {
        Write-Warning "Skipped staging the stills for wan2.6-image-to-video: $reason"
        return
    }
    $azurite = Start-NebulaAzurite -Root $Root
    try {
        $env:NEBULAVIDEO_STORAGE_CONNECTION_STRING = $azurite.ConnectionString
        $env:NEBULAVIDEO_STORAGE_CONTAINER = 'stills'
        Write-Information "Azurite: staging local stills in container 'stills' of account $($azurite.AccountName) on $($azurite.BlobEndpoint)" -InformationAction Continue
        & (Join-Path $Root 'examples/Convert-FolderToVideo.ps1') -ImageFolder (Join-Path $Root 'samples/stills') -OutputFolder $OutputFolder -Model wan2.6-image-to-video -PollIntervalSec 1
    }
    finally {
        $azurite | Stop-NebulaAzurite
    }
}

function Get-TrxCount {
    # Adds up passed, failed and skipped tests from the TRX files dotnet test wrote.
    param([string] $Folder)
    $passed = 0; $failed = 0; $skipped = 0
    foreach ($file in Get-ChildItem -LiteralPath $Folder -Filter *.trx -Recurse -ErrorAction SilentlyContinue) {
        $trx = [xml](Get-Content -LiteralPath $file.FullName -Raw)
        $counters = $trx.TestRun.ResultSummary.Counters
        $passed += [int]$counters.passed
        $failed += [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        # A skipped xUnit test is a result 'NotExecuted' that the counters leave out (their notExecuted stays 0).
        $skipped += @($trx.GetElementsByTagName('UnitTestResult') | Where-Object { $_.GetAttribute('outcome') -eq 'NotExecuted' }).Count
    }
    @{ Passed = $passed; Failed = $failed; Skipped = $skipped }
}

function Initialize-Azurite {
    # Installs Azurite (package-lock.json) with npm ci when node_modules is missing or older than the lock file: npm
    # writes node_modules/.package-lock.json on each install. Done by Test, not Build: only the storage tests need
    # Node.js, so Build, Demo and Package still need nothing but the .NET SDK. Returns why Azurite cannot run here,
    # or nothing when it can.
    $lock = Get-Item -LiteralPath (Join-Path $Root 'package-lock.json')
    $installed = Join-Path $Root 'node_modules/.package-lock.json'
    $npm = Get-Command npm -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $current = (Test-Path -LiteralPath $installed) -and (Get-Item -LiteralPath $installed -Force).LastWriteTimeUtc -ge $lock.LastWriteTimeUtc
    if (-not $current -and $npm -and (Get-Command node -CommandType Application -ErrorAction SilentlyContinue)) {
        Write-Information 'npm ci: installing Azurite for the Azure Storage tests into node_modules (package-lock.json).' -InformationAction Continue
        Push-Location -LiteralPath $Root
        # Its lines go to the information stream: this function's output is the reason, if any, and nothing else.
        try { & $npm.Source ci --no-audit --no-fund --prefer-offline | Write-Information -InformationAction Continue }
        finally { Pop-Location }
        if ($LASTEXITCODE -ne 0) { return "npm ci failed with exit code $LASTEXITCODE (see above): without it Azurite is missing or out of date. Run npm ci in the repository root." }
    }
    Get-NebulaAzuriteUnavailableReason -Root $Root
}

function Invoke-Test {
    param([string] $Configuration)
    $passed = 0; $failed = 0; $skipped = 0
    $results = Join-Path $Root 'out/test-results'
    Remove-Item -LiteralPath $results -Recurse -Force -ErrorAction SilentlyContinue
    $azurite = $null
    $storageVariable = 'NEBULAVIDEO_TEST_STORAGE'
    $savedStorage = [Environment]::GetEnvironmentVariable($storageVariable)
    try {
        Invoke-Build $Configuration

        # Azure Storage: one Azurite for the whole run, on free loopback ports with a random account; its connection
        # string goes to dotnet test and Pester in NEBULAVIDEO_TEST_STORAGE. One set beforehand (another account, in
        # Azure or elsewhere) is used as it is. Without Node.js the storage tests skip themselves, with the reason.
        if ($savedStorage) {
            Write-Information "Azure Storage tests: the account in $storageVariable, set before this run." -InformationAction Continue
        }
        elseif ($reason = Initialize-Azurite) {
            if ($env:NEBULAVIDEO_REQUIRE_ALL_CHECKS) { Write-Error "The Azure Storage tests cannot run: $reason" -ErrorAction Continue; $failed += 1 }
            else { Write-Warning "Skipped the Azure Storage tests: $reason" }
        }
        else {
            try {
                $azurite = Start-NebulaAzurite -Root $Root
                [Environment]::SetEnvironmentVariable($storageVariable, $azurite.ConnectionString)
                Write-Information "Azurite: account $($azurite.AccountName), blobs on $($azurite.BlobEndpoint), tables on $($azurite.TableEndpoint)" -InformationAction Continue
            }
            catch {
                # The other tests still run; the storage tests then try Azurite themselves, and fail as this did.
                Write-Error "The Azure Storage tests have no Azurite: $($_.Exception.Message)" -ErrorAction Continue
                $failed += 1
            }
        }

        # xUnit: core, emulator and the engine tests that host PowerShell itself.
        & dotnet test (Join-Path $Root 'NebulaVideo.sln') -c $Configuration --no-build --nologo --logger trx --results-directory $results
        $xunit = Get-TrxCount $results
        if ($LASTEXITCODE -ne 0 -and $xunit.Failed -eq 0) { $xunit.Failed = 1 }   # a crash counts, even without a TRX
        $passed += $xunit.Passed; $failed += $xunit.Failed; $skipped += $xunit.Skipped

        # Pester: the module as users drive it. The version pinned in Directory.Packages.props, which the build
        # restores from NuGet and lays out under out/tools/Pester; any Pester 5 by name only if that is missing.
        $pinnedPester = Join-Path $Root 'out/tools/Pester/Pester.psd1'
        if (Test-Path -LiteralPath $pinnedPester) { Import-Module $pinnedPester -Force -ErrorAction Stop }
        else { Import-Module Pester -MinimumVersion 5.0 -ErrorAction Stop }
        $pesterConfiguration = New-PesterConfiguration
        $pesterConfiguration.Run.Path = Join-Path $Root 'tests/Pester'
        $pesterConfiguration.Run.PassThru = $true
        $pesterConfiguration.Output.Verbosity = 'Normal'
        $pester = Invoke-Pester -Configuration $pesterConfiguration
        $passed += $pester.PassedCount; $failed += $pester.FailedCount; $skipped += $pester.SkippedCount

        # PSScriptAnalyzer: each finding on the project's own scripts counts as a failed check.
        if (Test-OptionalModule PSScriptAnalyzer 'the PSScriptAnalyzer check of build.ps1, tests/Pester, examples and tools') {
            Import-Module PSScriptAnalyzer -ErrorAction Stop
            $scripts = @(Get-Item -LiteralPath (Join-Path $Root 'build.ps1')) +
                @(Get-ChildItem (Join-Path $Root 'tests/Pester'), (Join-Path $Root 'examples'), (Join-Path $Root 'tools') -Recurse -Include *.ps1, *.psm1)
            $findings = @($scripts | ForEach-Object { Invoke-ScriptAnalyzer -Path $_.FullName -Severity Warning, Error })
            $findings | Format-Table RuleName, ScriptName, Line, Message -AutoSize -Wrap | Out-String | Write-Information -InformationAction Continue
            if ($findings.Count -eq 0) { $passed += 1 } else { $failed += $findings.Count }
        }
        elseif ($env:NEBULAVIDEO_REQUIRE_ALL_CHECKS) { $failed += 1 }
        else { $skipped += 1 }

        # The committed MAML must be what docs/cmdlets generates: help edited in the markdown but not regenerated fails.
        if (Test-OptionalModule Microsoft.PowerShell.PlatyPS 'the check that the committed help is generated from docs/cmdlets') {
            if (Test-HelpFileCurrent) { $passed += 1 } else { $failed += 1 }
        }
        elseif ($env:NEBULAVIDEO_REQUIRE_ALL_CHECKS) { $failed += 1 }
        else { $skipped += 1 }
    }
    catch {
        # Whatever stopped the run counts as a failure, and says where it came from.
        Write-Error "The test run stopped: $($_.Exception.Message) ($($_.InvocationInfo.PositionMessage))" -ErrorAction Continue
        $failed += 1
    }
    finally {
        [Environment]::SetEnvironmentVariable($storageVariable, $savedStorage)
        if ($azurite) { $azurite | Stop-NebulaAzurite }
    }
    if ($skipped -gt 0 -and $env:NEBULAVIDEO_REQUIRE_ALL_CHECKS) {
        Write-Error "$skipped tests or checks were skipped, and NEBULAVIDEO_REQUIRE_ALL_CHECKS allows no skip: each counts as failed." -ErrorAction Continue
        $failed += $skipped; $skipped = 0
    }
    # A skipped check neither passed nor failed, and the last line must not read as if everything ran. CI skips
    # nothing and reads that line in the exact form 'N passed, N failed', so ', 0 skipped' is never added.
    $summary = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $summary += ", $skipped skipped" }
    Write-Output $summary
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Package {
    Invoke-Build Release
    Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
    $repositoryFolder = Join-Path $Root 'out/package'
    New-Item -ItemType Directory -Force -Path $repositoryFolder | Out-Null
    $repository = "NebulaVideoBuild-$PID"
    Register-PSResourceRepository -Name $repository -Uri $repositoryFolder -Trusted
    try {
        Publish-PSResource -Path $ModuleFolder -Repository $repository
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }
    Get-ChildItem -LiteralPath $repositoryFolder -Filter *.nupkg | Select-Object Name, Length | Format-Table -AutoSize | Out-String |
        Write-Information -InformationAction Continue
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-Build $Configuration }
        'Help' { Build-HelpFile }
        'Test' { Invoke-Test $Configuration }
        'Demo' { Invoke-Build $Configuration; Invoke-Demo $Configuration }
        'Package' { Invoke-Package }
    }
}
