using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Web;
using Azure.Storage.Blobs;
using NebulaVideo.Core;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Tests
{
    /// <summary>
    /// Local images for the URL-only models staged in the user's own Azure Blob container: the real engine, the real
    /// Azure SDK, Azurite's real blob service on loopback, and the emulator's unified gateway fetching what it is given.
    /// </summary>
    [Collection(EngineCollection.Name)]
    public sealed class ImageStoreAzureTests : IDisposable
    {
        private readonly EngineFixture _engine;
        private readonly ScratchFolder _scratch;

        public ImageStoreAzureTests(EngineFixture engine)
        {
            _engine = engine;
            _scratch = new ScratchFolder(engine.Stills);
        }

        private const string ConnectStore = TwoGateways.Connect + @"
            Connect-NebulaVideoStorage -ConnectionString $storage -Container $container | Out-Null
            ";

        private PSRun Run(string script, string container, params (string Name, object? Value)[] more) =>
            _engine.Run(ConnectStore + script, apiKey: null, variables: TwoGateways.Variables(_engine, more.Concat(new (string, object?)[]
            {
                ("storage", EngineFixture.Secure(TestStorage.ConnectionString!)), ("container", container), ("stills", _scratch.Stills),
                ("harbor", Path.Combine(_scratch.Stills, "harbor.png")), ("journal", _scratch["journal.jsonl"]),
            }).ToArray()));

        private static BlobContainerClient Container(string name) => new BlobContainerClient(TestStorage.ConnectionString, name);

        [StorageFact]
        public void A_folder_reaches_a_url_only_model_through_the_users_container_with_a_one_blob_read_only_url()
        {
            var container = TestStorage.NewName("stills");
            var since = DateTimeOffset.UtcNow;

            var run = Run(@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'azure' -JournalPath $journal -Verbose", container);

            Assert.Empty(run.Errors);
            var tasks = run.Objects<VideoTask>().ToList();
            Assert.Equal(3, tasks.Count);
            var blobs = Container(container).GetBlobs().Select(b => b.Name).OrderBy(n => n).ToList();
            foreach (var task in tasks)
            {
                var hash = Sha256(task.SourceImage!);
                var name = $"nebulavideo/{hash}.png";
                Assert.Contains(name, blobs);
                Assert.Equal($"{TestStorage.BlobEndpoint.TrimEnd('/')}/{container}/{name}", task.StagedImage);
                // The gateway got that blob's address with a SAS for it alone, read only, and fetched the file's bytes.
                var image = _engine.Emulator.ImageOf(task.TaskId)!;
                var url = new Uri(image.Url);
                Assert.Equal(task.StagedImage, url.GetLeftPart(UriPartial.Path));
                var sas = HttpUtility.ParseQueryString(url.Query);
                Assert.Equal(("r", "b"), (sas["sp"], sas["sr"]));
                var expires = DateTimeOffset.Parse(sas["se"]!, System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(24.1));
                Assert.Equal(hash, image.Fetch!.Sha256);
            }
            Assert.Equal(3, blobs.Count);
            Assert.Equal(3, _engine.PostsSince(since));
            // Each storage call said with -Verbose, its address never with a query.
            Assert.Contains(run.Verbose, v => v.StartsWith("PUT ", StringComparison.Ordinal) && v.Contains(container, StringComparison.Ordinal));
            Assert.DoesNotContain(run.Verbose, v => v.Contains("sig=", StringComparison.Ordinal));
            AssertNoSecret(run);
        }

        [StorageFact]
        public void Two_rows_of_one_still_and_a_rerun_upload_it_once_and_the_rerun_pays_nothing()
        {
            var container = TestStorage.NewName("once");
            var script = @"
                @(
                    [pscustomobject]@{ Path = $harbor; Prompt = 'first' }
                    [pscustomobject]@{ Path = $harbor; Prompt = 'second' }
                ) | New-NebulaVideo -Model wan2.5-image-to-video -JournalPath $journal";
            var first = Run(script, container);
            var since = DateTimeOffset.UtcNow;
            var second = Run(script, container);

            Assert.Empty(first.Errors);
            Assert.Empty(second.Errors);
            Assert.Single(Container(container).GetBlobs());
            Assert.All(second.Objects<VideoTask>(), t => Assert.True(t.Resumed));
            Assert.Equal(first.Objects<VideoTask>().Select(t => t.TaskId), second.Objects<VideoTask>().Select(t => t.TaskId));
            Assert.Equal(0, _engine.PostsSince(since));
            // The rerun asked nothing of storage: everything it needed was in the journal.
            Assert.DoesNotContain(second.Verbose, v => v.StartsWith("PUT ", StringComparison.Ordinal));
        }

        [StorageFact]
        public void WhatIf_names_file_size_and_container_and_uploads_nothing()
        {
            var container = TestStorage.NewName("whatif");
            var since = DateTimeOffset.UtcNow;

            var run = Run("New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'plan' -LiteralPath $harbor -WhatIf", container);

            Assert.Empty(run.Errors);
            Assert.Contains($"Stage harbor.png (0.02 MB) in container '{container}' of storage account '{TestStorage.AccountName}'", run.Host.Text, StringComparison.Ordinal);
            Assert.False(Container(container).Exists());
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [StorageFact]
        public void A_wrong_key_is_each_items_access_denied_error_and_nothing_is_posted()
        {
            var wrong = TestStorage.ConnectionString!.Replace(TestStorage.AccountKey, Convert.ToBase64String(new byte[64]), StringComparison.Ordinal);
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + @"
                Connect-NebulaVideoStorage -ConnectionString $storage -Container denied | Out-Null
                Get-Item $harbor, $tower | New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'denied'
                'after'", apiKey: null, variables: TwoGateways.Variables(_engine, ("storage", EngineFixture.Secure(wrong)),
                ("harbor", Path.Combine(_scratch.Stills, "harbor.png")), ("tower", Path.Combine(_scratch.Stills, "tower.png"))));

            Assert.Equal(2, run.Errors.Count);
            Assert.All(run.Errors, e => Assert.StartsWith("StorageAccessDenied,", e.FullyQualifiedErrorId, StringComparison.Ordinal));
            Assert.All(run.Errors, e => Assert.Equal(System.Management.Automation.ErrorCategory.PermissionDenied, e.CategoryInfo.Category));
            Assert.Equal(new[] { "harbor.png", "tower.png" }, run.Errors.Select(e => Path.GetFileName((string)e.TargetObject)));
            Assert.Equal("after", run.Output.Last().BaseObject);
            Assert.Equal(0, _engine.PostsSince(since));
            AssertNoSecret(run, wrong);
        }

        [StorageFact]
        public void Storage_that_does_not_answer_is_each_items_unreachable_error_after_the_retries()
        {
            var closed = TestStorage.ConnectionString!.Replace(new Uri(TestStorage.BlobEndpoint).Authority, "127.0.0.1:9", StringComparison.Ordinal);

            var run = _engine.Run(TwoGateways.Connect + @"
                Set-NebulaVideoRequestContext -MaxRetry 1 -RetryDelaySec 0.1
                Connect-NebulaVideoStorage -ConnectionString $storage -Container closed | Out-Null
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'closed' -LiteralPath $harbor",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("storage", EngineFixture.Secure(closed)), ("harbor", Path.Combine(_scratch.Stills, "harbor.png"))));

            var error = run.SingleError();
            Assert.StartsWith("StorageUnreachable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(Path.Combine(_scratch.Stills, "harbor.png"), error.TargetObject);
        }

        [StorageFact]
        public void The_environment_pair_is_a_runbooks_store_and_old_staged_images_are_listed_then_removed()
        {
            var container = TestStorage.NewName("runbook");
            using var environment = new EnvironmentScope(
                ("NEBULAVIDEO_STORAGE_CONNECTION_STRING", TestStorage.ConnectionString), ("NEBULAVIDEO_STORAGE_CONTAINER", container));

            var run = _engine.Run(TwoGateways.Connect + @"
                Get-NebulaVideoStorage
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'runbook' -LiteralPath $harbor | Out-Null
                Remove-NebulaVideoStagedImage -Before ([datetime]::UtcNow.AddMinutes(5)) -WhatIf
                '---'
                Remove-NebulaVideoStagedImage -Before ([datetime]::UtcNow.AddMinutes(5)) -PassThru -Confirm:$false
                Remove-NebulaVideoStagedImage -Confirm:$false",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("harbor", Path.Combine(_scratch.Stills, "harbor.png"))));

            Assert.Empty(run.Errors);
            var info = Assert.Single(run.Objects<Core.Storage.StorageInfo>());
            Assert.Equal(("AzureBlob", TestStorage.AccountName, container, "AccountKey"), (info.Kind, info.Account, info.Container, info.Credential));
            var name = $"nebulavideo/{Sha256(Path.Combine(_scratch.Stills, "harbor.png"))}.png";
            Assert.Contains($"What if: Performing the operation \"Remove staged image\" on target \"{TestStorage.BlobEndpoint.TrimEnd('/')}/{container}/{name}", run.Host.Text, StringComparison.Ordinal);
            Assert.Equal(name, Assert.Single(run.Objects<Core.Storage.StagedBlob>()).Name);
            Assert.Empty(Container(container).GetBlobs());
            AssertNoSecret(run);
        }

        [StorageTheory]
        [InlineData("wan2.5-image-to-video")]
        [InlineData("wan2.6-image-to-video")]
        public void A_folder_goes_through_new_wait_and_save_on_a_unified_model_with_the_gateway_fetching_each_files_bytes(string model)
        {
            var container = TestStorage.NewName("folder");

            var run = Run($@"
                Get-ChildItem $stills -Filter *.png | New-NebulaVideo -Model {model} -Prompt 'folder' |
                    Wait-NebulaVideoTask -PollIntervalSec 0.2 | Save-NebulaVideo -Path $videos", container, ("videos", _scratch.Videos));

            Assert.Empty(run.Errors);
            Assert.Equal(new[] { "harbor.mp4", "sunrise.mp4", "tower.mp4" }, Directory.GetFiles(_scratch.Videos).Select(Path.GetFileName).OrderBy(n => n));
            var fetched = _engine.Emulator.ImageFetches.Where(f => f.Url.Contains(container, StringComparison.Ordinal)).Select(f => f.Sha256).OrderBy(h => h);
            Assert.Equal(Directory.GetFiles(_scratch.Stills).Select(Sha256).OrderBy(h => h), fetched);
        }

        [StorageFact]
        public void The_url_the_gateway_gets_can_only_read_its_one_blob()
        {
            var container = TestStorage.NewName("readonly");
            var run = Run("New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'read only' -LiteralPath $harbor", container);
            var url = new Uri(_engine.Emulator.ImageOf(run.Objects<VideoTask>().Single().TaskId)!.Url);
            using var http = new HttpClient();

            var write = new HttpRequestMessage(HttpMethod.Put, url) { Content = new ByteArrayContent(new byte[] { 1, 2, 3 }) };
            write.Headers.Add("x-ms-blob-type", "BlockBlob");
            var other = new UriBuilder(url) { Path = url.AbsolutePath.Replace("nebulavideo/", "nebulavideo/other-", StringComparison.Ordinal) }.Uri;
            var otherWrite = new HttpRequestMessage(HttpMethod.Put, other) { Content = new ByteArrayContent(new byte[] { 1 }) };
            otherWrite.Headers.Add("x-ms-blob-type", "BlockBlob");
            var list = new Uri($"{TestStorage.BlobEndpoint.TrimEnd('/')}/{container}{url.Query}&restype=container&comp=list");

            Assert.Equal(HttpStatusCode.OK, http.GetAsync(url).Result.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, http.SendAsync(write).Result.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, http.SendAsync(otherWrite).Result.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, http.DeleteAsync(url).Result.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, http.GetAsync(list).Result.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, http.GetAsync(new UriBuilder(other) { Query = url.Query.TrimStart('?') }.Uri).Result.StatusCode);
        }

        [StorageFact]
        public void Images_the_model_cannot_take_are_refused_before_any_upload_or_post()
        {
            var container = TestStorage.NewName("refused");
            var bad = Path.Combine(_scratch.FullName, "bad");
            Directory.CreateDirectory(bad);
            File.WriteAllBytes(Path.Combine(bad, "alpha.png"), PngHeader(640, 480, colourType: 6));
            File.WriteAllBytes(Path.Combine(bad, "small.png"), PngHeader(200, 200, colourType: 2));
            var large = PngHeader(1280, 720, colourType: 2);
            Array.Resize(ref large, 11 * 1024 * 1024);
            File.WriteAllBytes(Path.Combine(bad, "large.png"), large);
            File.WriteAllBytes(Path.Combine(bad, "moving.gif"), new byte[] { (byte)'G', (byte)'I', (byte)'F', (byte)'8', (byte)'9', (byte)'a', 0x80, 2, 0xE0, 1, 0, 0, 0 });
            var since = DateTimeOffset.UtcNow;

            var run = Run("Get-ChildItem $bad | Sort-Object Name | New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'refused'", container, ("bad", bad));

            Assert.Equal(new[] { "ImageTransparencyNotSupported", "ImageTooLarge", "ImageFormatNotSupported", "ImageDimensionsNotSupported" },
                run.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]));
            Assert.Equal(new[] { "alpha.png", "large.png", "moving.gif", "small.png" }, run.Errors.Select(e => Path.GetFileName((string)e.TargetObject)));
            Assert.False(Container(container).Exists());
            Assert.Equal(0, _engine.PostsSince(since));
        }

        [StorageFact]
        public void Storage_stopped_mid_batch_fails_the_remaining_items_and_posts_nothing_for_them()
        {
            var azurite = Azurite.Start();
            var since = DateTimeOffset.UtcNow;
            var run = _engine.Run(TwoGateways.Connect + @"
                Set-NebulaVideoRequestContext -MaxRetry 1 -RetryDelaySec 0.1
                Connect-NebulaVideoStorage -ConnectionString $storage -Container batch | Out-Null
                $sent = 0
                Get-ChildItem $stills -Filter *.png | Sort-Object Name | ForEach-Object {
                    if ($sent++ -eq 1) { $stop.Invoke() }
                    $_
                } | New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'stopped'",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("storage", EngineFixture.Secure(azurite.ConnectionString)), ("stills", _scratch.Stills),
                    ("stop", (Action)(() => Azurite.Stop(azurite.Process)))));

            Assert.Equal("harbor.png", Path.GetFileName(Assert.Single(run.Objects<VideoTask>()).SourceImage));
            Assert.Equal(new[] { "sunrise.png", "tower.png" }, run.Errors.Select(e => Path.GetFileName((string)e.TargetObject)));
            Assert.All(run.Errors, e => Assert.StartsWith("Storage", e.FullyQualifiedErrorId, StringComparison.Ordinal));
            Assert.All(run.Errors, e => Assert.Equal(System.Management.Automation.ErrorCategory.ConnectionError, e.CategoryInfo.Category));
            Assert.Equal(1, _engine.PostsSince(since));
        }

        [StorageFact]
        public void With_sas_tokens_the_gateway_gets_the_read_token_and_the_write_token_goes_nowhere_else()
        {
            var container = TestStorage.NewName("tokens");
            Container(container).Create();
            var write = ContainerSas(container, "cw");
            var read = ContainerSas(container, "r");

            var run = _engine.Run(TwoGateways.Connect + @"
                Connect-NebulaVideoStorage -ContainerUri $uri -WriteSasToken $write -ReadSasToken $read | Out-Null
                Get-NebulaVideoStorage
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'tokens' -LiteralPath $harbor -JournalPath $journal -Verbose",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("uri", new Uri($"{TestStorage.BlobEndpoint.TrimEnd('/')}/{container}")),
                    ("write", EngineFixture.Secure(write)), ("read", EngineFixture.Secure(read)), ("harbor", Path.Combine(_scratch.Stills, "harbor.png")),
                    ("journal", _scratch["journal.jsonl"])));

            Assert.Empty(run.Errors);
            Assert.Equal("SasToken", run.Objects<Core.Storage.StorageInfo>().Single().Credential);
            var task = run.Objects<VideoTask>().Single();
            Assert.Equal(task.StagedImage + "?" + read, _engine.Emulator.ImageOf(task.TaskId)!.Url);
            var writeSignature = HttpUtility.ParseQueryString(write)["sig"]!;
            var written = string.Join("\n", run.Output.Select(o => o.ToString()).Concat(run.Verbose).Append(run.Host.Text).Append(File.ReadAllText(_scratch["journal.jsonl"])));
            Assert.DoesNotContain(writeSignature, written, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(writeSignature), written, StringComparison.Ordinal);
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.Body.Contains(writeSignature, StringComparison.Ordinal) || r.PathAndQuery.Contains(writeSignature, StringComparison.Ordinal));
        }

        private static string ContainerSas(string container, string permissions)
        {
            var builder = new Azure.Storage.Sas.BlobSasBuilder { BlobContainerName = container, Resource = "c", ExpiresOn = DateTimeOffset.UtcNow.AddHours(1) };
            builder.SetPermissions(permissions);
            return builder.ToSasQueryParameters(new Azure.Storage.StorageSharedKeyCredential(TestStorage.AccountName, TestStorage.AccountKey)).ToString();
        }

        // A PNG's signature and header (all the module reads of an image before anything is sent), then its end.
        internal static byte[] PngHeader(int width, int height, byte colourType) => new byte[]
        {
            0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R',
            0, 0, (byte)(width >> 8), (byte)width, 0, 0, (byte)(height >> 8), (byte)height, 8, colourType, 0, 0, 0, 0, 0, 0, 0,
        };

        [Fact]
        public void A_wrong_environment_store_fails_only_the_items_that_need_it()
        {
            var key = Convert.ToBase64String(new byte[64]);
            using var environment = new EnvironmentScope(
                ("NEBULAVIDEO_STORAGE_CONNECTION_STRING", $"DefaultEndpointsProtocol=http;AccountName=runbook;AccountKey={key};BlobEndpoint=http://127.0.0.1:9/runbook"),
                ("NEBULAVIDEO_STORAGE_CONTAINER", "Not_A_Container!"));
            var since = DateTimeOffset.UtcNow;

            var run = _engine.Run(TwoGateways.Connect + @"
                New-NebulaVideo -Model wan2.5-i2v-preview -Prompt 'inline' -LiteralPath $harbor | Out-Null
                New-NebulaVideo -Model wan2.6-image-to-video -Prompt 'staged' -LiteralPath $harbor",
                apiKey: null, variables: TwoGateways.Variables(_engine, ("harbor", Path.Combine(_scratch.Stills, "harbor.png"))));

            var error = run.SingleError();
            Assert.StartsWith("StorageSettingInvalid,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(1, _engine.PostsSince(since));
            AssertNoSecret(run, $"AccountKey={key}");
        }

        // No key, signature or connection string in anything the run wrote, nor in any request the gateways received.
        private void AssertNoSecret(PSRun run, string? connectionString = null)
        {
            var key = connectionString is null ? TestStorage.AccountKey : connectionString.Split(';').Single(p => p.StartsWith("AccountKey=", StringComparison.Ordinal)).Substring(11);
            var written = string.Join("\n", run.Output.Select(o => o.ToString()).Concat(run.Verbose).Concat(run.Errors.Select(e => e.ToString() + e.ErrorDetails?.RecommendedAction))
                .Append(run.Host.Text));
            Assert.DoesNotContain(key, written, StringComparison.Ordinal);
            Assert.DoesNotContain("sig=", written, StringComparison.Ordinal);
            Assert.DoesNotContain(_engine.Emulator.Requests, r => r.Body.Contains(key, StringComparison.Ordinal)
                || r.PathAndQuery.Contains(key, StringComparison.Ordinal) || (r.Authorization ?? string.Empty).Contains(key, StringComparison.Ordinal));
            if (File.Exists(_scratch["journal.jsonl"]))
                Assert.DoesNotContain("sig=", File.ReadAllText(_scratch["journal.jsonl"]), StringComparison.Ordinal);
        }

        private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path))).ToLowerInvariant();

        public void Dispose() => _scratch.Dispose();
    }
}
