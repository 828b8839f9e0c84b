#Requires -Version 7.2
<#
    Starts and stops the NebulaVideo gateway emulator as a process on 127.0.0.1, for the demo and the
    Pester suites (the xUnit suites host it in-process instead).
#>

function Start-NebulaEmulator {
    <#
    .SYNOPSIS
        Starts the emulator on free loopback ports and returns its process and addresses.
    .DESCRIPTION
        Returns Process, GatewayUri (the Nebula gateway), StorageUri (the signed video links' origin) and
        UnifiedUri (the unified gateway's base address, GatewayUri + 'apiv1/'). Without -Configuration the Debug
        build is used, or the Release build when only that one exists.
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
    # An explicit -Configuration means that build and no other: silently running a stale one would mislead.
    $configurations = if ($PSBoundParameters.ContainsKey('Configuration')) { @($Configuration) } else { @('Debug', 'Release') }
    $candidates = foreach ($name in $configurations) { Join-Path $root "src/NebulaVideo.Emulator/bin/$name/net10.0/NebulaVideo.Emulator.dll" }
    $dll = $candidates | Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
    if (-not $dll) { throw "Build the solution first: none of $($candidates -join ', ') exists." }
    if (-not $PSCmdlet.ShouldProcess($dll, 'Start the emulator')) { return }

    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($argument in @($dll, '--port', '0', '--storage-port', '0', '--phase-seconds', [string]$PhaseSeconds)) {
        $info.ArgumentList.Add($argument)
    }
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    # Program prints exactly one line with every address; keep this pattern in step with it.
    # A minute for a cold start on a busy machine; an emulator that says nothing by then is not coming up.
    $reading = $process.StandardOutput.ReadLineAsync()
    $line = if ($reading.Wait(60000)) { $reading.Result } else { '(nothing within 60 s)' }
    $pattern = 'listening on (?<gateway>http://\S+) \(videos on (?<storage>http://\S+)\) \(unified gateway on (?<unified>http://\S+)\)'
    if ($line -notmatch $pattern) {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The emulator did not start (or is an old build without the unified gateway; rebuild it): '$line'"
    }
    [pscustomobject]@{ Process = $process; GatewayUri = $Matches.gateway; StorageUri = $Matches.storage; UnifiedUri = $Matches.unified }
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
