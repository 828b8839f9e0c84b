#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The module as a user drives it from pwsh: manifest, help, errors a script can catch, a real
    folder pipeline against the emulator process, and installation from a local PSResourceGet repository.
    Run with build.ps1 Test (which builds first), or Invoke-Pester ./tests/Pester after a build.
#>

BeforeAll {
    $script:Root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    $script:Manifest = Join-Path $Root 'out/NebulaVideo/NebulaVideo.psd1'
    Import-Module (Join-Path $Root 'tools/NebulaEmulator.psm1') -Force
    Import-Module $Manifest -Force
    $script:Emulator = Start-NebulaEmulator -PhaseSeconds 0.3
    $script:SavedKey = $env:NEBULA_API_KEY
    $script:SavedUri = $env:NEBULA_BASE_URI
    $script:SavedJournal = $env:NEBULAVIDEO_JOURNAL
    $env:NEBULA_API_KEY = 'sk-pester'
    $env:NEBULA_BASE_URI = $Emulator.GatewayUri
    # The suite's submissions go to a journal of its own, not the user's.
    $env:NEBULAVIDEO_JOURNAL = Join-Path $TestDrive 'journal.jsonl'
}

AfterAll {
    $env:NEBULA_API_KEY = $SavedKey
    $env:NEBULA_BASE_URI = $SavedUri
    $env:NEBULAVIDEO_JOURNAL = $SavedJournal
    $Emulator | Stop-NebulaEmulator
    Remove-Module NebulaVideo -ErrorAction SilentlyContinue
}

Describe 'The module manifest' {
    It 'is valid and lists every cmdlet explicitly' {
        $info = Test-ModuleManifest -Path $Manifest
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $info.PowerShellVersion | Should -Be ([version]'5.1')
        $info.ExportedCmdlets.Keys | Sort-Object | Should -Be @(
            'Clear-NebulaVideoJournal', 'Connect-NebulaVideo', 'Connect-NebulaVideoStorage', 'Disconnect-NebulaVideo', 'Disconnect-NebulaVideoStorage',
            'Get-NebulaVideoConnection', 'Get-NebulaVideoJournal', 'Get-NebulaVideoModel', 'Get-NebulaVideoRequestContext', 'Get-NebulaVideoStorage',
            'Get-NebulaVideoTask', 'Measure-NebulaVideoCost', 'New-NebulaVideo', 'Remove-NebulaVideoStagedImage', 'Save-NebulaVideo',
            'Set-NebulaVideoRequestContext', 'Wait-NebulaVideoTask')
    }

    It 'uses approved verbs only, and declares what each cmdlet outputs' {
        $approved = (Get-Verb).Verb
        foreach ($command in Get-Command -Module NebulaVideo) {
            $command.Verb | Should -BeIn $approved -Because $command.Name
            @($command.OutputType).Count | Should -BeGreaterThan 0 -Because "$($command.Name) needs [OutputType]"
        }
    }

    It 'is imported from the layout of the last build, Debug or Release alike' {
        (Get-Module NebulaVideo).Path | Should -Be (Join-Path $Root 'out/NebulaVideo/NebulaVideo.dll')
        Test-Path (Join-Path $Root 'out/NebulaVideo/Dependencies/NebulaVideo.Core.dll') | Should -BeTrue
    }

    It 'names where its help lives online, for a user who has only the installed module' {
        $uri = 'https://github.com/NebulaVideo/NebulaVideo/tree/main/docs/cmdlets'
        (Import-PowerShellDataFile (Join-Path $Root 'NebulaVideo.psd1')).HelpInfoURI | Should -Be $uri
        (Test-ModuleManifest -Path $Manifest).HelpInfoUri | Should -Be $uri
        # The same folder as every cmdlet's online page (GitHub shows a folder under tree/, a file under blob/).
        foreach ($command in Get-Command -Module NebulaVideo -CommandType Cmdlet) {
            $online = @((Get-Help $command.Name).RelatedLinks.NavigationLink | Where-Object LinkText -EQ 'Online Version')[0].Uri
            $online -replace '/blob/', '/tree/' | Should -Be "$uri/$($command.Name).md"
        }
    }

    It 'gives every assembly the manifest''s version' {
        $version = (Import-PowerShellDataFile (Join-Path $Root 'NebulaVideo.psd1')).ModuleVersion
        $assembly = [System.Reflection.AssemblyName]::GetAssemblyName((Join-Path $Root 'out/NebulaVideo/NebulaVideo.dll'))
        $assembly.Version.ToString(3) | Should -Be $version
    }
}

Describe 'Help' {
    BeforeDiscovery {
        # Discovery runs before BeforeAll: the module is imported here too, to list its cmdlets.
        Import-Module (Join-Path $PSScriptRoot '../../out/NebulaVideo/NebulaVideo.psd1') -Force
        $script:Cmdlets = @(Get-Command -Module NebulaVideo -CommandType Cmdlet | ForEach-Object Name)
    }

    It 'documents <_> completely: synopsis, description, inputs, outputs and an online link' -ForEach $Cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeLike "$_ *"      # the engine's stand-in synopsis is the syntax line
        "$($help.Description.Text)".Trim() | Should -Not -BeNullOrEmpty
        @($help.InputTypes.InputType).Count | Should -BeGreaterThan 0
        @($help.ReturnValues.ReturnValue).Count | Should -BeGreaterThan 0
        $online = @($help.RelatedLinks.NavigationLink | Where-Object LinkText -EQ 'Online Version')[0].Uri
        $online | Should -BeLike "https://*/$_.md"
    }

    It 'gives <_> at least two examples, each with its code in the code field and no markdown' -ForEach $Cmdlets {
        $examples = @((Get-Help $_ -Full).Examples.Example)
        $examples.Count | Should -BeGreaterOrEqual 2
        foreach ($example in $examples) {
            "$($example.Code)".Trim() | Should -Not -BeNullOrEmpty -Because "$($example.Title) needs its code"
            ($example | Out-String) | Should -Not -Match '```'
        }
    }

    It 'describes every parameter of <_>' -ForEach $Cmdlets {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        # A cmdlet without parameters of its own has no Parameter entries at all (strict mode would trip on them).
        $parameterHelp = (Get-Help $_ -Full).Parameters
        $entries = if ($parameterHelp -and $parameterHelp.PSObject.Properties['Parameter']) { $parameterHelp.Parameter } else { @() }
        $documented = @($entries | Where-Object { "$($_.Description.Text)".Trim() } | ForEach-Object Name)
        # A DontShow parameter (New-NebulaVideo's InputObject, which only catches the piped object) is not for users.
        $shown = (Get-Command $_).Parameters.Values | Where-Object { -not ($_.Attributes | Where-Object { $_ -is [Parameter] -and $_.DontShow }) }
        $parameters = $shown.Name | Where-Object { $_ -notin $common }
        $parameters | Where-Object { $_ -notin $documented } | Should -BeNullOrEmpty
    }

    It 'gives the parameters of <_> the aliases the cmdlet has' -ForEach $Cmdlets {
        $parameterHelp = (Get-Help $_ -Full).Parameters
        $entries = if ($parameterHelp -and $parameterHelp.PSObject.Properties['Parameter']) { $parameterHelp.Parameter } else { @() }
        $parameters = (Get-Command $_).Parameters
        foreach ($entry in $entries) {
            $documented = @("$($entry.Aliases)" -split ',\s*' | Where-Object { $_ -and $_ -ne 'none' } | Sort-Object)
            $documented | Should -Be @($parameters[$entry.Name].Aliases | Sort-Object) -Because "-$($entry.Name) of $_"
        }
    }

    It 'shows the parameter types of <_> as plain types, never as Nullable' -ForEach $Cmdlets {
        $help = Get-Help $_ -Full
        # As in the test above: a cmdlet without parameters of its own has no Parameter entries (strict mode).
        $entries = if ($help.Parameters -and $help.Parameters.PSObject.Properties['Parameter']) { $help.Parameters.Parameter } else { @() }
        $entries | Where-Object { "$($_.Type.Name)" -match 'Nullable' } | ForEach-Object Name | Should -BeNullOrEmpty
        # The syntax and the parameter list as printed, where the type also appears in angle brackets.
        ($help | Out-String -Width 250) | Should -Not -Match 'Nullable'
    }

    It 'keeps each example code line of <_> within 80 columns as Get-Help prints it' -ForEach $Cmdlets {
        # Get-Help indents example code by four columns, so a line fits an 80-column console at 76 characters.
        $indent = 4
        foreach ($example in @((Get-Help $_).Examples.Example)) {
            foreach ($line in "$($example.Code)" -split '\r?\n') {
                ($indent + $line.TrimEnd().Length) | Should -BeLessOrEqual 80 -Because "$($example.Title.Trim('- ')) has '$line'"
            }
        }
    }

    It 'refers <_> only to help the installed module carries: no README, no repository paths' -ForEach $Cmdlets {
        $text = Get-Help $_ -Full | Out-String -Width 200
        $text | Should -Not -Match 'README'
        $text | Should -Not -Match '\bsrc/|bin/(Debug|Release)'
    }

    It 'writes about_NebulaVideo for an installed module: no repository paths, lines within 80 columns' {
        $lines = (Get-Help about_NebulaVideo | Out-String -Width 250) -split '\r?\n'
        ($lines -join "`n") | Should -Not -Match '\bsrc/|bin/Debug|bin/Release'
        $lines | Where-Object { $_.TrimEnd().Length -gt 80 } | Should -BeNullOrEmpty
    }

    It 'shows New-NebulaVideo with the folder pipeline and a CSV runbook' {
        $code = (Get-Help New-NebulaVideo -Full).Examples.Example.Code -join "`n"
        $code | Should -Match 'Get-ChildItem[^\n]*\|\s*New-NebulaVideo'
        $code | Should -Match 'Import-Csv[^\n]*\|\s*New-NebulaVideo'
    }

    It 'has about_NebulaVideo on configuration, connections, costs, the journal and the emulator' {
        $about = Get-Help about_NebulaVideo | Out-String
        foreach ($section in 'CONFIGURATION', 'CONNECTIONS', 'COSTS', 'THE TASK JOURNAL', 'THE EMULATOR') {
            $about | Should -Match "(?m)^\s*$section\s*$"
        }
        $about | Should -Match 'PSDefaultParameterValues'
        $about | Should -Match 'UseNewRunspace'
    }
}

Describe 'The session''s request context' {
    AfterEach {
        Set-NebulaVideoRequestContext -Reset
    }

    It 'is set silently, as Set- commands are, and written only with -PassThru' {
        $output = @(Set-NebulaVideoRequestContext -MaxRetry 3 -RequestTimeoutSec 12)
        $output.Count | Should -Be 0
        (Get-NebulaVideoRequestContext).MaxReadRetries | Should -Be 3

        $context = Set-NebulaVideoRequestContext -MaxRetry 5 -PassThru
        $context | Should -BeOfType ([NebulaVideo.Core.Http.ClientOptions])
        $context.MaxReadRetries | Should -Be 5
        $context.RequestTimeout | Should -Be ([timespan]::FromSeconds(12))
        $context | Should -Be (Get-NebulaVideoRequestContext)
    }
}

Describe 'Errors a script can catch' {
    It 'throws a stable error id with -ErrorAction Stop' {
        { New-NebulaVideo -Prompt '' -Model sora-2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'PromptRequired,NebulaVideo.Commands.NewNebulaVideoCommand'
    }

    It 'puts the offending input in TargetObject' {
        New-NebulaVideo -Prompt 'p' -Model sora-2 -Duration 9 -ErrorAction SilentlyContinue -ErrorVariable problems
        $problems[0].TargetObject | Should -Be 9
        $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
    }
}

Describe 'The folder pipeline in pwsh' {
    BeforeAll {
        $script:Videos = Join-Path $TestDrive 'videos'
    }

    It 'turns every sample still into a playable-looking MP4 named after it' {
        $files = Get-ChildItem (Join-Path $Root 'samples/stills') -Filter *.png |
            New-NebulaVideo -Prompt 'slow dolly-in' |
            Wait-NebulaVideoTask -PollIntervalSec 0.2 |
            Save-NebulaVideo -Path $Videos
        $files.Name | Sort-Object | Should -Be @('harbor.mp4', 'sunrise.mp4', 'tower.mp4')
        foreach ($file in $files) {
            $head = [System.IO.File]::ReadAllBytes($file.FullName)[4..7]
            [System.Text.Encoding]::ASCII.GetString($head) | Should -Be 'ftyp'
        }
    }

    It 'shows tasks in a table that fits 80 columns, with source and cost, and in full with Format-List' {
        $tasks = Get-ChildItem (Join-Path $Root 'samples/stills') -Filter *.png |
            New-NebulaVideo -Prompt 'views at 80 columns' -Resolution 1080p -Duration 10 |
            Wait-NebulaVideoTask -PollIntervalSec 0.2
        # Prices are shown in the session's culture (1.233 here, 1,233 in a German session).
        $price = [regex]::Escape('{0:0.###}' -f 1.233)
        $table = @($tasks | Format-Table | Out-String -Width 80 -Stream | Where-Object { $_.Trim() })
        $table | Where-Object { $_.TrimEnd().Length -gt 80 } | Should -BeNullOrEmpty
        $table.Count | Should -Be 5      # header, rule, three tasks: no row wrapped
        $table[0] | Should -Match '\bResolution\b'   # one name for a resolution or frame size, as -Resolution says
        foreach ($task in $tasks) {
            $row = $table | Where-Object { $_ -like "$($task.TaskId.Substring($task.TaskId.Length - 8)) *" }
            $row | Should -Match ([regex]::Escape((Split-Path -Leaf $task.SourceImage)))
            $row | Should -Match $price
        }
        $list = $tasks[0] | Format-List | Out-String -Width 80
        $list | Should -Match ([regex]::Escape($tasks[0].TaskId))
        $list | Should -Match "Cost\s+: $price USD \(estimated\)"
        # The view changes only the look: the objects keep their type and every property.
        $tasks[0] | Should -BeOfType ([NebulaVideo.Core.VideoTask])
        ($tasks[0] | Select-Object *).TaskId | Should -Be $tasks[0].TaskId
    }

    It 'takes task ids as plain strings in Wait- and Save-' {
        $task = New-NebulaVideo -Prompt 'an id as a string' -Model sora-2
        $done = $task.TaskId | Wait-NebulaVideoTask -PollIntervalSec 0.2
        $done.Status | Should -Be 'Succeeded'
        $file = $task.TaskId | Save-NebulaVideo -Path (Join-Path $TestDrive 'by-id')
        $file.Name | Should -Be "$($task.TaskId).mp4"
    }

    It 'runs the sample CSV runbook: one row per video, across models' {
        $jobs = Import-Csv (Join-Path $Root 'samples/jobs.csv') | Where-Object { -not $_.ImageUrl } | ForEach-Object {
            if ($_.Path) { $_.Path = Join-Path $Root "samples/$($_.Path)" }
            $_
        }
        $files = $jobs | New-NebulaVideo | Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path (Join-Path $TestDrive 'runbook')
        @($files).Count | Should -Be @($jobs).Count
        $files.Name | Should -Contain 'harbor.mp4'
    }

    It 'completes models, and durations for the model on the line' {
        $line = 'New-NebulaVideo -Model '
        $models = (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText
        $models | Should -Contain 'sora-2'
        $models | Should -Contain 'wan2.6-image-to-video'
        $line = 'New-NebulaVideo -Model sora-2 -Duration '
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be @('4', '8', '12')
        # The module's types keep their names for scripts although they live in the module's own load context.
        [NebulaVideo.Core.VideoStatus]::Succeeded | Should -Be 'Succeeded'
    }

    It 'shows no progress when its output is redirected, as in a runbook' {
        $script = "Import-Module '$Manifest'; `$env:NEBULA_API_KEY = 'sk-quiet'; `$env:NEBULA_BASE_URI = '$($Emulator.GatewayUri)'; " +
            "`$env:NEBULAVIDEO_JOURNAL = '$(Join-Path $TestDrive 'quiet.jsonl')'; " +
            "(New-NebulaVideo -Model sora-2 -Prompt 'quiet' -WarningAction SilentlyContinue | Wait-NebulaVideoTask -PollIntervalSec 0.1 | Save-NebulaVideo -Path '$(Join-Path $TestDrive 'quiet')').Name"
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script 2>&1
        # sora-2's retirement warning is silenced: what is looked for is a progress bar, drawn with escape sequences.
        ($output -join "`n") | Should -Match '^video_\w+\.mp4$'
        ($output -join "`n") | Should -Not -Match "`e\["
    }

    It 'says what -WhatIf would cost in the host' {
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "Import-Module '$Manifest'; New-NebulaVideo -Prompt p -Model sora-2 -Duration 12 -WhatIf"
        ($output -join "`n") | Should -Match 'What if: .*estimated cost \$1\.2 USD.*text prompt \(sora-2, 12 s, 720x1280\)'
    }
}

Describe 'Isolation from other modules'' assemblies' {
    It 'keeps its own Polly when another module loaded an older one first, and works' -Skip:($PSVersionTable.PSEdition -ne 'Core') {
        $conflicting = Join-Path $Root 'out/tools/conflicts/Polly.Core.dll'    # Polly.Core 8.1.0, restored by the build
        $olderJson = Join-Path $Root 'out/NebulaVideo/Dependencies/System.Text.Json.dll'  # 8.0.x, older than the host's
        $script = @"
Add-Type -Path '$conflicting'
Add-Type -Path '$olderJson'
Import-Module '$Manifest'
`$env:NEBULA_API_KEY = 'sk-isolation'; `$env:NEBULA_BASE_URI = '$($Emulator.GatewayUri)'; `$env:NEBULAVIDEO_JOURNAL = '$(Join-Path $TestDrive 'isolation.jsonl')'
'status=' + (New-NebulaVideo -Model sora-2 -Prompt 'isolation' | Wait-NebulaVideoTask -PollIntervalSec 0.1).Status
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -in 'Polly.Core', 'System.Text.Json', 'NebulaVideo.Core' } | ForEach-Object {
    `$_.GetName().Name + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name + '|' + `$_.Location }
"@
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $output | Should -Contain 'status=Succeeded'
        $loaded = $output | Where-Object { $_ -like '*|*|*' } | ConvertFrom-Csv -Delimiter '|' -Header Name, Context, Location
        $polly = @($loaded | Where-Object Name -EQ 'Polly.Core')
        $polly.Count | Should -Be 2
        ($polly | Where-Object Context -EQ 'Default').Location | Should -Be $conflicting
        ($polly | Where-Object Context -EQ 'NebulaVideo').Location | Should -Be (Join-Path $Root 'out/NebulaVideo/Dependencies/Polly.Core.dll')
        ($loaded | Where-Object Name -EQ 'NebulaVideo.Core').Context | Should -Be 'NebulaVideo'
        # The runtime's own System.Text.Json serves everyone: the older copy loaded first did not displace it.
        @($loaded | Where-Object Name -EQ 'System.Text.Json').Count | Should -Be 1
    }
}

Describe 'The Azure SDK, loaded only when an image store is used' {
    It 'stays unloaded through a batch that stages nothing, then loads into the module''s own context for one that does' -Skip:($PSVersionTable.PSEdition -ne 'Core') {
        $script = @"
Import-Module '$Manifest'
`$env:NEBULA_API_KEY = 'sk-lazy'; `$env:NEBULA_BASE_URI = '$($Emulator.GatewayUri)'; `$env:NEBULAVIDEO_JOURNAL = '$(Join-Path $TestDrive 'lazy.jsonl')'
# A runbook's store in the environment is not a reason to load the SDK for images that go inline.
`$env:NEBULAVIDEO_STORAGE_CONNECTION_STRING = 'DefaultEndpointsProtocol=http;AccountName=lazy;AccountKey=$([Convert]::ToBase64String([byte[]]::new(64)));BlobEndpoint=http://127.0.0.1:9/lazy'
`$env:NEBULAVIDEO_STORAGE_CONTAINER = 'stills'
`$null = New-NebulaVideo -Model wan2.5-i2v-preview -Prompt 'inline' -LiteralPath '$(Join-Path $Root 'samples/stills/harbor.png')' | Wait-NebulaVideoTask -PollIntervalSec 0.1
'before=' + @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -like 'Azure.*' }).Count
`$null = Connect-NebulaVideoStorage -ScriptBlock { 'https://example.com/x.png' }
`$null = Connect-NebulaVideoStorage -ConnectionString (ConvertTo-SecureString `$env:NEBULAVIDEO_STORAGE_CONNECTION_STRING -AsPlainText -Force) -Container stills
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -like 'Azure.*' } | ForEach-Object {
    `$_.GetName().Name + '|' + [System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$_).Name }
"@
        $output = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command $script
        $output | Should -Contain 'before=0'
        $loaded = $output | Where-Object { $_ -like '*|*' } | ConvertFrom-Csv -Delimiter '|' -Header Name, Context
        $loaded.Name | Should -Contain 'Azure.Storage.Blobs'
        $loaded.Context | Sort-Object -Unique | Should -Be 'NebulaVideo'
    }
}

Describe 'Installation from a PSResourceGet repository' {
    It 'publishes a package that installs and imports by name' {
        Import-Module Microsoft.PowerShell.PSResourceGet -ErrorAction Stop
        $repositoryFolder = Join-Path $TestDrive 'repository'
        $installFolder = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory -Path $repositoryFolder, $installFolder | Out-Null
        $repository = "NebulaVideoPester$PID"
        Register-PSResourceRepository -Name $repository -Uri $repositoryFolder -Trusted
        try {
            Publish-PSResource -Path (Split-Path $Manifest) -Repository $repository
            Save-PSResource -Name NebulaVideo -Repository $repository -Path $installFolder -TrustRepository
        }
        finally {
            Unregister-PSResourceRepository -Name $repository
        }
        @(Get-ChildItem $repositoryFolder -Filter 'NebulaVideo.*.nupkg').Count | Should -Be 1
        $commands = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "`$env:PSModulePath = '$installFolder'; (Get-Command -Module NebulaVideo).Count; Import-Module NebulaVideo; (Get-NebulaVideoModel).Count"
        $commands | Should -Be @('17', '4')
    }

    It 'carries the gallery metadata and installs with PowerShellGet''s Install-Module path too' {
        $repositoryFolder = Join-Path $TestDrive 'repository-psget'
        $installFolder = Join-Path $TestDrive 'modules-psget'
        New-Item -ItemType Directory -Path $repositoryFolder, $installFolder | Out-Null
        $repository = "NebulaVideoPesterV2$PID"
        Register-PSResourceRepository -Name $repository -Uri $repositoryFolder -Trusted
        try { Publish-PSResource -Path (Split-Path $Manifest) -Repository $repository }
        finally { Unregister-PSResourceRepository -Name $repository }

        Import-Module PowerShellGet -MaximumVersion 2.99 -ErrorAction Stop
        Register-PSRepository -Name $repository -SourceLocation $repositoryFolder -InstallationPolicy Trusted
        try {
            $found = Find-Module -Name NebulaVideo -Repository $repository
            # Save-Module is Install-Module's download and unpack, into a folder of the test's instead of the user's modules.
            Save-Module -Name NebulaVideo -Repository $repository -Path $installFolder
        }
        finally {
            Unregister-PSRepository -Name $repository
        }
        $found.ProjectUri | Should -Be 'https://github.com/NebulaVideo/NebulaVideo'
        $found.LicenseUri | Should -Be 'https://github.com/NebulaVideo/NebulaVideo/blob/main/LICENSE'
        $found.ReleaseNotes | Should -Match 'CHANGELOG'
        $found.Tags | Should -Contain 'PSEdition_Core'
        Test-Path (Join-Path $installFolder "NebulaVideo/$($found.Version)/Dependencies/NebulaVideo.Core.dll") | Should -BeTrue
        $models = & (Join-Path $PSHOME 'pwsh') -NoProfile -NonInteractive -Command "`$env:PSModulePath = '$installFolder'; Import-Module NebulaVideo; (Get-NebulaVideoModel).Count"
        $models | Should -Be '4'
    }
}

Describe 'The Azure Storage account of the tests' {
    BeforeAll {
        # build.ps1 Test starts Azurite and sets NEBULAVIDEO_TEST_STORAGE; a storage test without it is skipped, with
        # the reason, except under NEBULAVIDEO_REQUIRE_ALL_CHECKS=1 (CI), where it runs and fails.
        Import-Module (Join-Path $Root 'tools/Azurite.psm1') -Force
    }

    It 'reaches Pester in NEBULAVIDEO_TEST_STORAGE: an account of this run''s own that refuses an unsigned request' {
        if ($reason = Get-NebulaTestStorageSkipReason -Root $Root) { Set-ItResult -Skipped -Because $reason }
        $storage = Get-NebulaTestStorage
        $storage | Should -Not -BeNullOrEmpty -Because 'NEBULAVIDEO_TEST_STORAGE is needed when storage tests may not be skipped'
        $storage.AccountName | Should -Match '^[a-z0-9]{3,24}$'
        $storage.AccountName | Should -Not -Be 'devstoreaccount1'
        [Convert]::FromBase64String($storage.AccountKey).Length | Should -BeGreaterThan 0
        $response = Invoke-WebRequest -Uri "$($storage.BlobEndpoint)?comp=list" -SkipHttpErrorCheck
        $response.StatusCode | Should -BeIn 401, 403
    }
}
