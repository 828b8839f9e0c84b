#Requires -Version 7.2
<#
    Azurite, the Azure Storage emulator (npm package azurite, pinned in package.json and installed by npm ci
    into node_modules), as a process on 127.0.0.1 for build.ps1 Test and the Pester suites. Each start has an
    account of its own: a random name and key, never the well-known devstoreaccount1. The xUnit suites use
    tests/Shared/Azurite.cs, which reads the connection string build.ps1 exports (NEBULAVIDEO_TEST_STORAGE) or
    starts Azurite the same way.
#>

# The environment variable that carries the whole connection string to the test processes.
$script:StorageVariable = 'NEBULAVIDEO_TEST_STORAGE'

# Run by node before Azurite's own script (argv[1]): node exits when its standard input closes or its parent, the
# process that started it, is gone (checked twice a second), so an Azurite whose starter crashed or was killed never
# outlives it. Keep it in step with the copy in tests/Shared/Azurite.cs.
$script:Watchdog = "const starter=process.ppid,gone=()=>process.exit(0);process.stdin.on('end',gone);process.stdin.on('error',gone);process.stdin.resume();setInterval(()=>{try{process.kill(starter,0)}catch{gone()}},500).unref();require(process.argv[1]);"

function Get-AzuriteScript {
    # The script that the azurite command runs, from the installed package's own bin entry; nothing when absent.
    param([string] $Root)
    $manifest = Join-Path $Root 'node_modules/azurite/package.json'
    if (-not (Test-Path -LiteralPath $manifest)) { return }
    $bin = (Get-Content -LiteralPath $manifest -Raw | ConvertFrom-Json).bin.azurite
    if (-not $bin) { return }
    $entry = Join-Path (Split-Path -Parent $manifest) $bin
    if (Test-Path -LiteralPath $entry) { [System.IO.Path]::GetFullPath($entry) }
}

function Get-NebulaAzuriteUnavailableReason {
    <#
    .SYNOPSIS
        Says why Azurite cannot start here, and how to fix it; returns nothing when it can.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        # The repository whose node_modules holds Azurite.
        [string] $Root = (Split-Path -Parent $PSScriptRoot)
    )
    if (-not (Get-Command node -CommandType Application -ErrorAction SilentlyContinue)) {
        return 'No Node.js: the Azure Storage tests run against Azurite, which needs node on PATH. Install Node.js 20 or later (with npm), then run npm ci in the repository root (build.ps1 Test runs it by itself).'
    }
    if (-not (Get-AzuriteScript $Root)) {
        return "Azurite is not installed, and the Azure Storage tests run against it ($(Join-Path $Root 'node_modules/azurite') is missing). Run npm ci in the repository root (build.ps1 Test runs it by itself when npm is on PATH)."
    }
}

function Get-RandomAccountName {
    # 3 to 24 lowercase letters and digits, as Azure Storage account names are.
    $alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
    $random = [System.Security.Cryptography.RandomNumberGenerator]::GetBytes(10)
    'nvtest' + (-join ($random | ForEach-Object { $alphabet[$_ % $alphabet.Length] }))
}

function Start-NebulaAzurite {
    <#
    .SYNOPSIS
        Starts Azurite's blob and table services on free loopback ports, with a random account, and returns how
        to reach it.
    .DESCRIPTION
        Runs node_modules/azurite with its data in memory only, telemetry off and the API version check off (the
        current Azure SDKs speak newer versions than the emulator knows). Every port is 0, so the operating system
        gives each service a free one when it binds and no other process can take it in between; Azurite prints the
        ports it got, and they are read from there. The account's name and key are random for each start and passed
        in AZURITE_ACCOUNTS, which also retires devstoreaccount1.

        Returns AccountName, AccountKey, BlobEndpoint, TableEndpoint (path-style, http://127.0.0.1:PORT/ACCOUNT),
        ConnectionString and Process. Stop it with Stop-NebulaAzurite.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([pscustomobject])]
    param(
        # The repository whose node_modules holds Azurite.
        [string] $Root = (Split-Path -Parent $PSScriptRoot),

        # How long Azurite may take to answer on both services.
        [int] $TimeoutSeconds = 60
    )
    $reason = Get-NebulaAzuriteUnavailableReason -Root $Root
    if ($reason) { throw "Azurite cannot start: $reason" }
    $entry = Get-AzuriteScript $Root
    if (-not $PSCmdlet.ShouldProcess($entry, 'Start Azurite')) { return }

    $name = Get-RandomAccountName
    $key = [Convert]::ToBase64String([System.Security.Cryptography.RandomNumberGenerator]::GetBytes(64))
    $info = [System.Diagnostics.ProcessStartInfo]::new((Get-Command node -CommandType Application | Select-Object -First 1).Source)
    $arguments = @('-e', $script:Watchdog, $entry,
        '--blobHost', '127.0.0.1', '--blobPort', '0', '--tableHost', '127.0.0.1', '--tablePort', '0',
        # Azurite has no switch to leave the queue service out: it gets a free port too and goes unused.
        '--queueHost', '127.0.0.1', '--queuePort', '0',
        '--inMemoryPersistence', '--skipApiVersionCheck', '--disableProductStyleUrl', '--disableTelemetry', '--silent')
    foreach ($argument in $arguments) { $info.ArgumentList.Add($argument) }
    $info.Environment['AZURITE_ACCOUNTS'] = "${name}:$key"
    # Nothing is written with --inMemoryPersistence; the temporary folder only keeps the repository clean if it were.
    $info.WorkingDirectory = [System.IO.Path]::GetTempPath()
    $info.UseShellExecute = $false
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $errors = $process.StandardError.ReadToEndAsync()

    # Azurite prints 'Azurite Blob service is successfully listening at http://127.0.0.1:PORT' once a service listens.
    $endpoints = @{}
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $failure = $null
    while ($endpoints.Count -lt 2 -and -not $failure) {
        $remaining = [int][Math]::Max(0, ($deadline - [DateTime]::UtcNow).TotalMilliseconds)
        $reading = $process.StandardOutput.ReadLineAsync()
        if (-not $reading.Wait($remaining)) { $failure = "no answer within $TimeoutSeconds s" }
        elseif ($null -eq $reading.Result) {
            $process.WaitForExit()
            $failure = "it exited with code $($process.ExitCode): $(if ($errors.Wait(5000)) { $errors.Result.Trim() })"
        }
        elseif ($reading.Result -match 'Azurite (?<service>Blob|Table) service is successfully listening at (?<uri>http://\S+)') {
            $endpoints[$Matches.service] = "$($Matches.uri.TrimEnd('/'))/$name"
        }
    }
    if (-not $failure) {
        # Listening is answering, but ask once all the same: an unsigned request is refused with an HTTP status.
        $client = [System.Net.Http.HttpClient]@{ Timeout = [TimeSpan]::FromSeconds(10) }
        try {
            foreach ($endpoint in $endpoints.Values) { $client.GetAsync("$endpoint`?comp=list").GetAwaiter().GetResult().Dispose() }
        }
        catch { $failure = "it does not answer: $($_.Exception.Message)" }
        finally { $client.Dispose() }
    }
    if ($failure) {
        if (-not $process.HasExited) { $process.Kill($true); $process.WaitForExit() }
        $process.Dispose()
        throw "Azurite did not start: $failure"
    }
    # Whatever it prints from now on is read and dropped, so that a full pipe never stalls it.
    $null = $process.StandardOutput.ReadToEndAsync()

    [pscustomobject]@{
        AccountName      = $name
        AccountKey       = $key
        BlobEndpoint     = $endpoints.Blob
        TableEndpoint    = $endpoints.Table
        ConnectionString = "DefaultEndpointsProtocol=http;AccountName=$name;AccountKey=$key;BlobEndpoint=$($endpoints.Blob);TableEndpoint=$($endpoints.Table);"
        Process          = $process
    }
}

function Stop-NebulaAzurite {
    <#
    .SYNOPSIS
        Stops an Azurite started by Start-NebulaAzurite, with any process it started; its data, in memory only,
        goes with it.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [pscustomobject] $Azurite
    )
    process {
        if (-not $PSCmdlet.ShouldProcess($Azurite.BlobEndpoint, 'Stop Azurite')) { return }
        if (-not $Azurite.Process.HasExited) {
            $Azurite.Process.Kill($true)
            $Azurite.Process.WaitForExit()
        }
        $Azurite.Process.Dispose()
    }
}

function Get-NebulaTestStorage {
    <#
    .SYNOPSIS
        The storage account the tests use, read from NEBULAVIDEO_TEST_STORAGE; nothing when it is not set.
    .DESCRIPTION
        build.ps1 Test starts Azurite and exports its connection string in NEBULAVIDEO_TEST_STORAGE. Returns
        AccountName, AccountKey, BlobEndpoint, TableEndpoint and ConnectionString; a connection string with only
        an EndpointSuffix (an account in Azure) gets the endpoints Azure gives such an account.
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param()
    $connectionString = [Environment]::GetEnvironmentVariable($script:StorageVariable)
    if (-not $connectionString) { return }
    $parts = @{}
    foreach ($pair in $connectionString -split ';' | Where-Object { $_ }) {
        # A key's base64 ends in '=': only the first one separates the name from the value.
        $name, $value = $pair -split '=', 2
        $parts[$name.Trim()] = $value
    }
    $protocol = if ($parts.DefaultEndpointsProtocol) { $parts.DefaultEndpointsProtocol } else { 'https' }
    $endpoint = { param($service) if ($parts["${service}Endpoint"]) { $parts["${service}Endpoint"] } elseif ($parts.EndpointSuffix) { "${protocol}://$($parts.AccountName).$($service.ToLowerInvariant()).$($parts.EndpointSuffix)" } }
    [pscustomobject]@{
        AccountName      = $parts.AccountName
        AccountKey       = $parts.AccountKey
        BlobEndpoint     = & $endpoint 'Blob'
        TableEndpoint    = & $endpoint 'Table'
        ConnectionString = $connectionString
    }
}

function Get-NebulaTestStorageSkipReason {
    <#
    .SYNOPSIS
        Why a storage test is to be skipped here, or nothing when it is to run.
    .DESCRIPTION
        Nothing when NEBULAVIDEO_TEST_STORAGE is set, and nothing under NEBULAVIDEO_REQUIRE_ALL_CHECKS=1 (CI),
        where a storage test without storage fails instead. Otherwise the reason, with how to fix it. In Pester:
        if ($reason = Get-NebulaTestStorageSkipReason) { Set-ItResult -Skipped -Because $reason }
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        # The repository whose node_modules holds Azurite.
        [string] $Root = (Split-Path -Parent $PSScriptRoot)
    )
    if ([Environment]::GetEnvironmentVariable($script:StorageVariable) -or $env:NEBULAVIDEO_REQUIRE_ALL_CHECKS) { return }
    $reason = Get-NebulaAzuriteUnavailableReason -Root $Root
    if (-not $reason) { $reason = "$script:StorageVariable is not set: run the tests with build.ps1 Test, which starts Azurite and sets it, or set it to a storage account's connection string." }
    $reason
}

Export-ModuleMember -Function Start-NebulaAzurite, Stop-NebulaAzurite, Get-NebulaAzuriteUnavailableReason, Get-NebulaTestStorage, Get-NebulaTestStorageSkipReason
