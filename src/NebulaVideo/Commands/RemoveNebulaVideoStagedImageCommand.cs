using System;
using System.Management.Automation;
using NebulaVideo.Core;
using NebulaVideo.Core.Storage;

namespace NebulaVideo.Commands
{
    /// <summary>
    /// Deletes the images New-NebulaVideo staged in this session's Azure Blob container (under its nebulavideo/ prefix)
    /// that were last written before the gateways' 24-hour retention: their tasks were submitted long enough ago that
    /// the gateway fetched them already. -WhatIf lists them.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "NebulaVideoStagedImage", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(StagedBlob))]
    public sealed class RemoveNebulaVideoStagedImageCommand : NebulaVideoCmdlet
    {
        /// <summary>Staged images last written before this go; by default 24 hours ago.</summary>
        [Parameter(Position = 0)]
        public DateTime? Before { get; set; }

        /// <summary>Writes each deleted image (name, address, size, when it was last written).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing() => ForEachItem(() =>
        {
            var store = SessionStorage.Current as AzureBlobImageStore ?? throw new NebulaVideoException(ErrorIds.StorageNotConnected,
                SessionStorage.Current is null ? "This session has no image store." : "This session's image store is a script block; the module cannot list what it uploaded.",
                SessionStorage.Current?.Info.Kind, "Connect-NebulaVideoStorage -ConnectionString <SecureString> -Container <name> registers the container to clean.");
            var cutoff = RetentionCut(Before);
            var staged = store.ListStaged(cutoff, CancelToken);
            for (var i = 0; i < staged.Count; i++)
            {
                var blob = staged[i];
                WriteProgress(new ProgressRecord(7330, "Removing staged images", $"{i + 1} of {staged.Count}: {blob.Name}")
                {
                    PercentComplete = 100 * i / staged.Count,
                });
                if (!ShouldProcess($"{blob.Location} ({blob.Size} bytes, last written {blob.LastModified:u})", "Remove staged image")) continue;
                if (store.DeleteStaged(blob.Name, CancelToken) && PassThru.IsPresent) WriteObject(blob);
            }
            if (staged.Count > 0) WriteProgress(new ProgressRecord(7330, "Removing staged images", "Done") { RecordType = ProgressRecordType.Completed });
            WriteVerbose($"{staged.Count} staged image(s) in {store.Location} were last written before {cutoff:u}.");
        });
    }
}
