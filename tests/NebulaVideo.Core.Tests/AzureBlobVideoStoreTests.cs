using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using NebulaVideo.Core.Http;
using NebulaVideo.Core.Storage;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// Videos streamed into block blobs on Azurite: a blob appears whole, checked and labelled with its task, or not at all.
    /// </summary>
    public sealed class AzureBlobVideoStoreTests
    {
        private static readonly ClientOptions Fast = ClientOptions.Default with
        {
            MaxReadRetries = 1, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(50), RequestTimeout = TimeSpan.FromSeconds(20),
        };

        private static AzureBlobVideoStore Store(string container) =>
            AzureBlobVideoStore.FromConnectionString(TestStorage.ConnectionString!, container, Fast, log: null);

        private static BlobContainerClient Container(string name) => new BlobContainerClient(TestStorage.ConnectionString, name);

        // An MP4's first box ('ftyp') followed by random bytes: as much as a test needs of a video.
        private static byte[] Video(int length)
        {
            var bytes = new byte[length];
            RandomNumberGenerator.Fill(bytes);
            new byte[] { 0, 0, 0, 0x18, (byte)'f', (byte)'t', (byte)'y', (byte)'p' }.CopyTo(bytes, 0);
            return bytes;
        }

        // Writes as a download does: in reads of a few hundred KB, each at whatever offset the last one ended.
        private static Func<Stream, CancellationToken, Task> Writing(byte[] video, int failAfter = int.MaxValue) => (stream, _) =>
        {
            for (var offset = 0; offset < video.Length; offset += 300_000)
            {
                if (offset >= failAfter) throw new IOException("The connection broke while the video was read.");
                stream.Write(video, offset, Math.Min(300_000, video.Length - offset));
            }
            return Task.CompletedTask;
        };

        // Azurite answers 404 for a name with no block yet.
        private static int Uncommitted(string container, string name)
        {
            try
            {
                return Container(container).GetBlockBlobClient(name).GetBlockList(BlockListTypes.Uncommitted).Value.UncommittedBlocks.Count();
            }
            catch (Azure.RequestFailedException missing) when (missing.Status == 404)
            {
                return 0;
            }
        }

        private static byte[] Read(string container, string name) => Container(container).GetBlobClient(name).DownloadContent().Value.Content.ToArray();

        [StorageFact]
        public async Task A_video_larger_than_a_block_is_staged_in_blocks_and_committed_whole_with_its_task()
        {
            var container = TestStorage.NewName("videos");
            var video = Video(2 * BlockUploadStream.BlockSize + 123_457);

            var blob = await Store(container).WriteAsync("folder/cat.mp4", "task-1", overwrite: false, Writing(video), CancellationToken.None);

            Assert.Equal(video, Read(container, "folder/cat.mp4"));
            Assert.Equal((container, "folder/cat.mp4", (long)video.Length, "task-1"), (blob.Container, blob.Name, blob.Length, blob.TaskId));
            Assert.Equal($"{TestStorage.BlobEndpoint.TrimEnd('/')}/{container}/folder/cat.mp4", blob.Uri.ToString());
            var properties = Container(container).GetBlobClient("folder/cat.mp4").GetProperties().Value;
            Assert.Equal("video/mp4", properties.ContentType);
            Assert.Equal("task-1", properties.Metadata[AzureBlobVideoStore.TaskMetadata]);
            var blocks = Container(container).GetBlockBlobClient("folder/cat.mp4").GetBlockList().Value;
            Assert.Equal(3, blocks.CommittedBlocks.Count());
            Assert.Equal(blob, Store(container).Find("folder/cat.mp4", CancellationToken.None)! with { LastModified = blob.LastModified });
        }

        [StorageFact]
        public async Task Each_full_block_leaves_for_the_service_while_the_download_goes_on_so_memory_holds_one_block_at_most()
        {
            var container = TestStorage.NewName("videos");
            var video = Video(3 * BlockUploadStream.BlockSize);
            var uncommittedSeen = new System.Collections.Generic.List<int>();

            await Store(container).WriteAsync("stream.mp4", "task-s", overwrite: false, (stream, _) =>
            {
                for (var block = 0; block < 3; block++)
                {
                    // A full block waits in memory until more comes or the download ends; every block before it is with
                    // the service already.
                    stream.Write(video, block * BlockUploadStream.BlockSize, BlockUploadStream.BlockSize);
                    uncommittedSeen.Add(Uncommitted(container, "stream.mp4"));
                }
                return Task.CompletedTask;
            }, CancellationToken.None);

            Assert.Equal(new[] { 0, 1, 2 }, uncommittedSeen);
            Assert.Equal(video, Read(container, "stream.mp4"));
        }

        [StorageFact]
        public async Task A_small_video_is_one_request_and_a_download_that_starts_over_keeps_only_its_last_attempt()
        {
            var container = TestStorage.NewName("videos");
            var first = Video(BlockUploadStream.BlockSize + 10);
            var second = Video(5_000);

            await Store(container).WriteAsync("cat.mp4", "task-2", overwrite: false, async (stream, token) =>
            {
                await Writing(first)(stream, token);
                // What GatewayClient.DownloadAsync does before each new attempt.
                stream.SetLength(0);
                stream.Position = 0;
                await Writing(second)(stream, token);
            }, CancellationToken.None);

            Assert.Equal(second, Read(container, "cat.mp4"));
            Assert.Single(Container(container).GetBlockBlobClient("cat.mp4").GetBlockList().Value.CommittedBlocks);

            // A video that fits in one block, with nothing staged before it, is one Put Blob: no block list at all.
            await Store(container).WriteAsync("dog.mp4", "task-2b", overwrite: false, Writing(second), CancellationToken.None);
            Assert.Equal(second, Read(container, "dog.mp4"));
            Assert.Empty(Container(container).GetBlockBlobClient("dog.mp4").GetBlockList().Value.CommittedBlocks);
        }

        [StorageFact]
        public async Task A_download_that_fails_after_staging_blocks_leaves_no_blob()
        {
            var container = TestStorage.NewName("videos");
            var video = Video(3 * BlockUploadStream.BlockSize);

            await Assert.ThrowsAsync<IOException>(() =>
                Store(container).WriteAsync("cat.mp4", "task-3", overwrite: false, Writing(video, failAfter: 2 * BlockUploadStream.BlockSize + 1), CancellationToken.None));

            // Two blocks went to the service, but no blob was made of them: a listing shows nothing, and nothing can be read.
            Assert.Empty(Container(container).GetBlobs());
            Assert.False(Container(container).GetBlobClient("cat.mp4").Exists().Value);
            Assert.Null(Store(container).Find("cat.mp4", CancellationToken.None));
            Assert.Single(Container(container).GetBlobs(BlobTraits.None, BlobStates.Uncommitted, null, default));
        }

        [StorageFact]
        public async Task What_is_not_an_mp4_is_refused_before_any_blob_is_made()
        {
            var container = TestStorage.NewName("videos");
            var page = System.Text.Encoding.UTF8.GetBytes("<html><body>Service unavailable</body></html>");

            var error = await Assert.ThrowsAsync<NebulaVideoException>(() =>
                Store(container).WriteAsync("cat.mp4", "task-4", overwrite: false, Writing(page), CancellationToken.None));

            Assert.Equal(ErrorIds.DownloadNotMp4, error.Id);
            Assert.Empty(Container(container).GetBlobs());
        }

        [StorageFact]
        public async Task A_blob_in_the_way_is_kept_unless_overwrite_and_the_same_tasks_blob_is_the_save_done()
        {
            var container = TestStorage.NewName("videos");
            var store = Store(container);
            var mine = Video(10_000);
            await store.WriteAsync("cat.mp4", "task-5", overwrite: false, Writing(mine), CancellationToken.None);

            // Another task's video of the same name: refused, the blob as it was.
            var error = await Assert.ThrowsAsync<NebulaVideoException>(() =>
                store.WriteAsync("cat.mp4", "task-6", overwrite: false, Writing(Video(20_000)), CancellationToken.None));
            Assert.Equal(ErrorIds.VideoBlobExists, error.Id);
            Assert.Contains("task-5", error.Message, StringComparison.Ordinal);
            Assert.Equal(mine, Read(container, "cat.mp4"));

            // The same task again (a peer that saved it first): its blob is the result, left as it was.
            var again = await store.WriteAsync("cat.mp4", "task-5", overwrite: false, Writing(Video(30_000)), CancellationToken.None);
            Assert.Equal((10_000L, "task-5"), (again.Length, again.TaskId));
            Assert.Equal(mine, Read(container, "cat.mp4"));

            var replacement = Video(40_000);
            await store.WriteAsync("cat.mp4", "task-6", overwrite: true, Writing(replacement), CancellationToken.None);
            Assert.Equal(replacement, Read(container, "cat.mp4"));
            Assert.Equal("task-6", store.Find("cat.mp4", CancellationToken.None)!.TaskId);
        }

        [StorageFact]
        public void Only_addresses_in_its_own_container_name_a_blob()
        {
            var store = Store("videos");
            Assert.Equal("a/cat 1.mp4", store.NameAt(store.UriOf("a/cat 1.mp4").ToString()));
            Assert.Null(store.NameAt(store.Location + "x/cat.mp4"));
            Assert.Null(store.NameAt("/home/me/videos/cat.mp4"));
            Assert.Null(store.NameAt(null));
        }
    }
}
