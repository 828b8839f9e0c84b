<#
.SYNOPSIS
    An unattended runbook: makes the videos a CSV file describes and reports what happened as one object.

.DESCRIPTION
    Each CSV row is one video. Columns bind to New-NebulaVideo's parameters by name: Prompt, Path (an
    image file, relative to the CSV's folder) or ImageUrl, Model, Duration, Resolution (a frame size such as
    1280x720 for sora-2), Seed, SmartRewrite, GenerateAudio, AudioUrl, CallbackUrl, Connection. Leave Path
    empty for sora-2 text to video. One file may mix the models of both gateways (the unified gateway's
    rows give an https ImageUrl); each row goes to the connection that serves its model. Nothing prompts; a bad row is reported and skipped; the result is a summary object with the
    saved files and every error, so a scheduler can act on it. Every submission is journaled, so running the
    same job file again after a crash or a failed row resumes what was already submitted instead of paying
    for it twice.

.EXAMPLE
    $result = ./Invoke-VideoRunbook.ps1 -JobFile ./jobs.csv -OutputFolder ./videos
    if ($result.Errors) { $result.Errors | ForEach-Object { $_.FullyQualifiedErrorId } }
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $JobFile,

    [Parameter(Mandatory)]
    [string] $OutputFolder,

    [ValidateRange(0.1, 300)]
    [double] $PollIntervalSec = 5,

    # The seed documents advise a timeout; tasks still running afterwards are reported, not lost.
    [ValidateRange(1, 86400)]
    [int] $TimeoutSec = 1800,

    # Where submissions are recorded; by default beside the videos, so each output folder has its own.
    [string] $JournalPath
)

$jobs = @(Import-Csv -LiteralPath $JobFile)
$OutputFolder = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputFolder)
if (-not $JournalPath) { $JournalPath = Join-Path $OutputFolder 'runbook.journal' }
$JournalPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($JournalPath)
# Image paths in the file are relative to it: the estimate reads them as the submissions will (sora-2's frame size
# follows the image's orientation).
Push-Location -LiteralPath (Split-Path -Parent (Resolve-Path -LiteralPath $JobFile))
try {
    $total = $jobs | Measure-NebulaVideoCost -WarningAction SilentlyContinue | Where-Object IsTotal
    if ($total.UnpricedCount -gt 0) {
        # Some gateways publish no price: say so rather than report a total that is too low.
        Write-Information ('{0} videos, estimated {1:0.####} USD plus {2} at an unpublished price' -f $total.Count, $total.PricedCostUsd, $total.UnpricedCount) -InformationAction Continue
    }
    else {
        Write-Information ('{0} videos, estimated {1:0.####} USD' -f $total.Count, $total.EstimatedCostUsd) -InformationAction Continue
    }
    $files = @($jobs |
            New-NebulaVideo -JournalPath $JournalPath -ErrorVariable +problems -ErrorAction SilentlyContinue |
            Wait-NebulaVideoTask -PollIntervalSec $PollIntervalSec -TimeoutSec $TimeoutSec -ErrorVariable +problems -ErrorAction SilentlyContinue |
            Save-NebulaVideo -Path $OutputFolder -Force -ErrorVariable +problems -ErrorAction SilentlyContinue)
}
finally {
    Pop-Location
}

[pscustomobject]@{
    Requested        = $jobs.Count
    Saved            = $files.Count
    # EstimatedCostUsd is empty when a video has no published price: PricedCostUsd is then what is known.
    EstimatedCostUsd = $total.EstimatedCostUsd
    PricedCostUsd    = $total.PricedCostUsd
    UnpricedCount    = $total.UnpricedCount
    Files            = $files
    Errors           = @($problems)
}
