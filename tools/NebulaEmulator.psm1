#Requires -Version 7.2
<#
    Starts and stops the NebulaVideo gateway emulator as a process on 127.0.0.1, for the demo and the
    Pester suites (the xUnit suites host it in-process instead).
#>

function Start-NebulaEmulator {
    <#
    .SYNOPSIS
        Starts the emulator on free loopback ports and returns its process and addresses.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([pscustomobject])]
    param(
        [ValidateSet('Debug', 'Release')]
        [string] $Configuration = 'Debug',

        # Seconds a task spends in each phase before it finishes.
        [double] $PhaseSeconds = 1
    )
    $root = Split-Path -Parent $PSScriptRoot
    $dll = Join-Path $root "src/NebulaVideo.Emulator/bin/$Configuration/net10.0/NebulaVideo.Emulator.dll"
    if (-not (Test-Path -LiteralPath $dll)) { throw "Build the solution first: $dll is missing." }
    if (-not $PSCmdlet.ShouldProcess($dll, 'Start the emulator')) { return }

    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($dll, '--port', '0', '--storage-port', '0', '--phase-seconds', [string]$PhaseSeconds)) {
        $info.ArgumentList.Add($argument)
    }
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch 'listening on (?<gateway>http://\S+) \(videos on (?<storage>http://\S+)\)') {
        $process.Kill()
        throw "The emulator did not start: '$line'"
    }
    [pscustomobject]@{ Process = $process; GatewayUri = $Matches.gateway; StorageUri = $Matches.storage }
}

function Stop-NebulaEmulator {
    <#
    .SYNOPSIS
        Stops an emulator started by Start-NebulaEmulator.
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType([void])]
    param(
        [Parameter(Mandatory, ValueFromPipeline)]
        [pscustomobject] $Emulator
    )
    process {
        if ($PSCmdlet.ShouldProcess($Emulator.GatewayUri, 'Stop the emulator') -and -not $Emulator.Process.HasExited) {
            $Emulator.Process.Kill()
            $Emulator.Process.WaitForExit()
        }
    }
}

Export-ModuleMember -Function Start-NebulaEmulator, Stop-NebulaEmulator
