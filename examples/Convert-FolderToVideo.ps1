<#
.SYNOPSIS
    Turns every PNG and JPEG image in a folder into a video: submit, wait for all at once, save.

.DESCRIPTION
    The folder pipeline in its plainest form. Each image becomes one task; the tasks are waited for
    together and each video is saved as soon as it is done, named after its image (cat.png gives cat.mp4).
    A bad image (too large, not PNG/JPEG) is reported and skipped; the others go on.

.EXAMPLE
    ./Convert-FolderToVideo.ps1 -ImageFolder ./stills -OutputFolder ./videos -Resolution 1080p

.EXAMPLE
    ./Convert-FolderToVideo.ps1 -ImageFolder ./stills -OutputFolder ./videos -WhatIf
    Shows what each video would cost and submits nothing.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)]
    [string] $ImageFolder,

    [Parameter(Mandatory)]
    [string] $OutputFolder,

    [string] $Prompt = 'Slow dolly-in, soft morning light, gentle natural motion',

    [string] $Model = 'wan2.5-i2v-preview',

    [string] $Resolution,

    [ValidateRange(0.1, 300)]
    [double] $PollIntervalSec = 5,

    [switch] $WhatIf
)

$newParameters = @{ Prompt = $Prompt; Model = $Model; WhatIf = $WhatIf }
if ($Resolution) { $newParameters.Resolution = $Resolution }

Get-ChildItem -Path $ImageFolder -File |
    Where-Object Extension -In '.png', '.jpg', '.jpeg' |
    New-NebulaVideo @newParameters |
    Wait-NebulaVideoTask -PollIntervalSec $PollIntervalSec |
    Save-NebulaVideo -Path $OutputFolder
