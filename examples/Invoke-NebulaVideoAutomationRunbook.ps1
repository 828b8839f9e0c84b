<#
.SYNOPSIS
    An Azure Automation runbook: turns a CSV of jobs into videos in a blob container, with the task journal in an Azure
    Table, so that a job restarted from the beginning, or run on several workers at once, pays for no video twice.

.DESCRIPTION
    Each CSV row is one video; its columns bind to New-NebulaVideo's parameters by name (Prompt, Path or ImageUrl, Model,
    Duration, Resolution, Seed, ...). A cloud sandbox has no files of its own: give -JobFile as an https address (a blob's
    SAS URL, say), which is downloaded to the sandbox's temporary folder, with images as ImageUrl. On a hybrid worker (or
    anywhere with a disk) -JobFile may be a path, and a Path column is then relative to the CSV's folder.

    The rows go through New-NebulaVideo | Wait-NebulaVideoTask | Save-NebulaVideo -Container -SkipSaved, journaled in
    the table. Nothing of the run's state is kept on the machine, so running the same job again (Azure Automation starts
    a cloud job again from the beginning after three hours; a worker may die) reads back the tasks already submitted
    instead of paying for them again, and leaves the videos already saved as they are. Several workers may run the same
    file at once: the table gives each row to one of them.

    Where the storage comes from, in this order:
      1. -KeyVaultName (and -KeyVaultSecretName): the connection string is that Key Vault secret, read with Az.KeyVault
         as the Automation account's managed identity (Connect-AzAccount -Identity).
      2. Inside Azure Automation (cloud job or hybrid worker): the Automation credential -StorageAsset, whose
         password is the storage account's connection string.
      3. Elsewhere: the environment variable NEBULAVIDEO_STORAGE_CONNECTION_STRING.
    The table, the video container and the optional staging container are parameters; when not given, each comes from
    the Automation variable of the same name as its environment variable (NEBULAVIDEO_STORAGE_JOURNAL_TABLE,
    NEBULAVIDEO_VIDEO_CONTAINER, NEBULAVIDEO_STORAGE_CONTAINER), else from that environment variable.

    Gateways: inside Azure Automation, the credentials NebulaApiKey and UnifiedApiKey (each password an API key), where
    they exist; elsewhere, and for what they leave out, the module's own environment variables (NEBULA_API_KEY,
    UNIFIED_API_KEY, and their _BASE_URI).

    Nothing prompts. The result is one object: what was asked, paid for, resumed and saved, each video's blob, and every
    error (with its id, message and target), so a scheduler or a later job can act on it. No secret appears in it.

.EXAMPLE
    # In Azure Automation, with the variables and credentials above set up in the account:
    ./Invoke-NebulaVideoAutomationRunbook.ps1 -JobFile 'https://contosomedia.blob.core.windows.net/jobs/spring.csv?sv=...'

.EXAMPLE
    # Anywhere else, from the environment:
    $env:NEBULAVIDEO_STORAGE_CONNECTION_STRING = Get-Secret VideoStorage -AsPlainText
    $env:NEBULAVIDEO_STORAGE_JOURNAL_TABLE = 'videojournal'
    $result = ./Invoke-NebulaVideoAutomationRunbook.ps1 -JobFile ./jobs.csv -VideoContainer videos
    $result.Errors | Format-Table ErrorId, Target
#>
[CmdletBinding()]
[OutputType([pscustomobject])]
param(
    # The CSV of jobs: a path, or an http(s) address to download it from.
    [Parameter(Mandatory)]
    [string] $JobFile,

    # The blob container the videos go to (created if missing).
    [string] $VideoContainer,

    # The Azure Table the journal is kept in (created if missing).
    [string] $JournalTable,

    # A blob container to stage local images in, for the models that take images only by URL.
    [string] $StagingContainer,

    # How blobs are named: {image}, {id} and {model}.
    [string] $NameTemplate = '{image}',

    # The Automation credential asset whose password is the storage connection string.
    [string] $StorageAsset = 'NebulaVideoStorage',

    # A Key Vault holding the connection string as a secret, read with the Automation account's managed identity.
    [string] $KeyVaultName,

    [string] $KeyVaultSecretName = 'NebulaVideoStorage',

    [ValidateRange(0.1, 300)]
    [double] $PollIntervalSec = 15,

    # How long to wait for the videos; tasks still running then are reported, and the next run picks them up.
    [ValidateRange(1, 86400)]
    [int] $TimeoutSec = 9000,

    # How patient to be with the gateways and the storage account: further attempts of a failed read or storage call,
    # the first pause between them (doubling), the longest pause, and the wait for one answer.
    [ValidateRange(0, 20)]
    [int] $MaxRetry = 6,

    [ValidateRange(0.1, 600)]
    [double] $RetryDelaySec = 1,

    [ValidateRange(1, 3600)]
    [double] $MaxRetryDelaySec = 30,

    [ValidateRange(1, 3600)]
    [double] $RequestTimeoutSec = 60,

    # How long other workers wait on a row this one is submitting, once this one stops renewing its claim (it died),
    # before they report that row's outcome as unknown instead of paying for it again.
    [ValidateRange(1, 3600)]
    [int] $JournalLeaseSec = 60
)

$ErrorActionPreference = 'Stop'
# A job's progress records cost time and say nothing a summary does not.
$ProgressPreference = 'SilentlyContinue'

$inAutomation = [bool](Get-Command Get-AutomationVariable -ErrorAction SilentlyContinue)

function Get-RunbookSetting {
    # A setting the caller did not give: the Automation variable of that name, else the environment variable.
    [CmdletBinding()]
    [OutputType([string])]
    param([Parameter(Mandatory)][string] $Name)
    if ($inAutomation) {
        try { $value = Get-AutomationVariable -Name $Name -ErrorAction Stop } catch { $value = $null }
        if ($value) { return [string]$value }
    }
    [Environment]::GetEnvironmentVariable($Name)
}

function Get-AutomationSecret {
    # An Automation credential's password (a SecureString), or nothing when the account has no such credential.
    [CmdletBinding()]
    [OutputType([securestring])]
    param([Parameter(Mandatory)][string] $Name)
    if (-not $inAutomation) { return }
    try { (Get-AutomationPSCredential -Name $Name -ErrorAction Stop).Password } catch { Write-Verbose "No Automation credential named $Name." }
}

function Get-StorageConnectionString {
    # The storage account's connection string as a SecureString; it is never written anywhere.
    [CmdletBinding()]
    [OutputType([securestring])]
    param([string] $VaultName, [string] $SecretName, [string] $AssetName)
    if ($VaultName) {
        # Az.Accounts and Az.KeyVault are in Azure Automation's runtime; the account's managed identity needs 'get' on secrets.
        Connect-AzAccount -Identity | Out-Null
        return (Get-AzKeyVaultSecret -VaultName $VaultName -Name $SecretName).SecretValue
    }
    if ($secret = Get-AutomationSecret $AssetName) { return $secret }
    $plain = [Environment]::GetEnvironmentVariable('NEBULAVIDEO_STORAGE_CONNECTION_STRING')
    if (-not $plain) {
        throw "No storage connection string: give -KeyVaultName, create the Automation credential '$AssetName' (its password is the connection string), or set NEBULAVIDEO_STORAGE_CONNECTION_STRING."
    }
    [System.Net.NetworkCredential]::new('', $plain).SecurePassword
}

if (-not $JournalTable) { $JournalTable = Get-RunbookSetting NEBULAVIDEO_STORAGE_JOURNAL_TABLE }
if (-not $VideoContainer) { $VideoContainer = Get-RunbookSetting NEBULAVIDEO_VIDEO_CONTAINER }
if (-not $StagingContainer) { $StagingContainer = Get-RunbookSetting NEBULAVIDEO_STORAGE_CONTAINER }
if (-not $JournalTable) { throw 'No journal table: give -JournalTable, or set NEBULAVIDEO_STORAGE_JOURNAL_TABLE (an Automation variable or an environment variable).' }
if (-not $VideoContainer) { throw 'No video container: give -VideoContainer, or set NEBULAVIDEO_VIDEO_CONTAINER (an Automation variable or an environment variable).' }

Import-Module NebulaVideo

# Before the storage is connected: the journal and the container take the session's patience when they are made.
Set-NebulaVideoRequestContext -MaxRetry $MaxRetry -RetryDelaySec $RetryDelaySec -MaxRetryDelaySec $MaxRetryDelaySec -RequestTimeoutSec $RequestTimeoutSec

$storage = @{
    ConnectionString = Get-StorageConnectionString -VaultName $KeyVaultName -SecretName $KeyVaultSecretName -AssetName $StorageAsset
    JournalTable     = $JournalTable
    JournalLease     = [timespan]::FromSeconds($JournalLeaseSec)
}
if ($StagingContainer) { $storage.Container = $StagingContainer }
Connect-NebulaVideoStorage @storage | Out-Null

foreach ($gateway in @(@{ Name = 'Nebula'; Credential = 'NebulaApiKey' }, @{ Name = 'Unified'; Credential = 'UnifiedApiKey' })) {
    if ($key = Get-AutomationSecret $gateway.Credential) {
        $baseUri = Get-RunbookSetting "$($gateway.Name.ToUpperInvariant())_BASE_URI"
        $connection = @{ Name = $gateway.Name; Dialect = $gateway.Name; ApiKey = $key }
        if ($baseUri) { $connection.BaseUri = $baseUri }
        Connect-NebulaVideo @connection | Out-Null
    }
}

# The jobs: a download goes to the temporary folder for as long as it is read; nothing else is written to the machine.
if ($JobFile -match '^https?://') {
    # The address may carry a SAS token: only its path is ever said.
    $shown = ([uri]$JobFile).GetLeftPart([UriPartial]::Path)
    $csv = Join-Path ([IO.Path]::GetTempPath()) ("nebulavideo-jobs-{0}.csv" -f [guid]::NewGuid().ToString('N'))
    try {
        Invoke-WebRequest -Uri $JobFile -OutFile $csv
        $jobs = @(Import-Csv -LiteralPath $csv)
    }
    catch {
        throw "The job file could not be read from $shown`: $($_.Exception.Message)"
    }
    finally {
        Remove-Item -LiteralPath $csv -ErrorAction SilentlyContinue
    }
    Write-Verbose "$($jobs.Count) job(s) from $shown."
}
else {
    $csv = (Resolve-Path -LiteralPath $JobFile).ProviderPath
    $jobs = @(Import-Csv -LiteralPath $csv)
}

$submitted = 0
$resumed = 0
$problems = [System.Collections.Generic.List[System.Management.Automation.ErrorRecord]]::new()
# Image paths in the file are relative to it.
Push-Location -LiteralPath (Split-Path -Parent $csv)
try {
    $videos = @($jobs |
            New-NebulaVideo -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +newErrors |
            ForEach-Object { if ($_.Resumed) { $resumed++ } else { $submitted++ }; $_ } |
            Wait-NebulaVideoTask -PollIntervalSec $PollIntervalSec -TimeoutSec $TimeoutSec -ErrorAction SilentlyContinue -ErrorVariable +waitErrors |
            Save-NebulaVideo -Container $VideoContainer -NameTemplate $NameTemplate -SkipSaved -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable +saveErrors)
}
finally {
    Pop-Location
}
foreach ($list in $newErrors, $waitErrors, $saveErrors) { foreach ($record in @($list)) { if ($record) { $problems.Add($record) } } }
if ($problems.Count) { Write-Warning "$($problems.Count) of $($jobs.Count) job(s) ended in an error; the summary's Errors list them. Run the job again to pick up what is left." }

[pscustomobject]@{
    Requested      = $jobs.Count
    # Paid for by this run, and read back from the journal (submitted by an earlier or another run) instead.
    Submitted      = $submitted
    Resumed        = $resumed
    Saved          = $videos.Count
    JournalTable   = $JournalTable
    VideoContainer = $VideoContainer
    Videos         = @($videos | Select-Object TaskId, Model, SourceImage, Name, Uri, Length)
    # The module's message names the row ("Item 7 (stills/harbor.png): ..."); its advice says what to do.
    Errors         = @($problems | ForEach-Object {
            [pscustomobject]@{
                ErrorId = $_.FullyQualifiedErrorId
                Message = if ($_.ErrorDetails) { $_.ErrorDetails.Message } else { $_.Exception.Message }
                Advice  = if ($_.ErrorDetails) { $_.ErrorDetails.RecommendedAction }
                Target  = [string]$_.TargetObject
            }
        })
}
