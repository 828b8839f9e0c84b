using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Azure;
using Azure.Data.Tables;
using Azure.Data.Tables.Models;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;
using NebulaVideo.Tests.Shared;
using Xunit;

namespace NebulaVideo.Core.Tests
{
    /// <summary>
    /// The storage that the Azure Blob and Table features are tested against behaves as Azure Storage does, through
    /// the official SDKs, on this run's own account: if any of these fail, the storage tests prove nothing.
    /// </summary>
    public sealed class AzuriteTests
    {
        // The emulators' well-known development account, published in Azure's documentation: never this run's.
        private const string WellKnownAccount = "devstoreaccount1";
        private const string WellKnownKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

        private static async Task<BlobContainerClient> NewContainerAsync()
        {
            var container = new BlobContainerClient(TestStorage.ConnectionString, TestStorage.NewName("img"));
            await container.CreateAsync();
            return container;
        }

        private static async Task<TableClient> NewTableAsync()
        {
            var table = new TableClient(TestStorage.ConnectionString, TestStorage.NewName("jobs"));
            await table.CreateAsync();
            return table;
        }

        [StorageFact]
        public async Task A_blob_reads_back_through_a_read_only_service_SAS_with_a_plain_HttpClient_and_that_SAS_cannot_write()
        {
            var container = await NewContainerAsync();
            var blob = container.GetBlobClient("stills/cat.png");
            var content = RandomNumberGenerator.GetBytes(100_000);
            await blob.UploadAsync(BinaryData.FromBytes(content));

            var sas = blob.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(10));
            Assert.Contains("sp=r&", sas.Query + "&");
            using var http = new HttpClient();
            using (var read = await http.GetAsync(sas))
            {
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                Assert.Equal(content, await read.Content.ReadAsByteArrayAsync());
            }

            using var write = new HttpRequestMessage(HttpMethod.Put, sas) { Content = new ByteArrayContent(new byte[] { 1, 2, 3 }) };
            write.Headers.Add("x-ms-blob-type", "BlockBlob");
            using var refused = await http.SendAsync(write);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());

            // Without a signature the container is private: the same address alone reads nothing.
            using var anonymous = await http.GetAsync(blob.Uri);
            Assert.False(anonymous.IsSuccessStatusCode, $"An unsigned read answered {(int)anonymous.StatusCode}.");
        }

        [StorageFact]
        public async Task An_expired_SAS_is_refused()
        {
            var container = await NewContainerAsync();
            var blob = container.GetBlobClient("late.png");
            await blob.UploadAsync(BinaryData.FromString("late"));

            using var http = new HttpClient();
            using var response = await http.GetAsync(blob.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddMinutes(-5)));

            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        [StorageFact]
        public async Task A_blob_created_only_if_absent_is_not_created_twice_409()
        {
            var container = await NewContainerAsync();
            var blob = container.GetBlobClient("once.json");
            var onlyIfAbsent = new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } };
            await blob.UploadAsync(BinaryData.FromString("first"), onlyIfAbsent);

            var error = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(BinaryData.FromString("second"), onlyIfAbsent));

            Assert.Equal(409, error.Status);
            Assert.Equal(BlobErrorCode.BlobAlreadyExists.ToString(), error.ErrorCode);
            Assert.Equal("first", (await blob.DownloadContentAsync()).Value.Content.ToString());
        }

        [StorageFact]
        public async Task A_blob_overwrite_with_a_stale_ETag_fails_412_and_keeps_the_newer_content()
        {
            var container = await NewContainerAsync();
            var blob = container.GetBlobClient("state.json");
            var stale = (await blob.UploadAsync(BinaryData.FromString("v1"))).Value.ETag;
            var current = (await blob.UploadAsync(BinaryData.FromString("v2"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = stale } })).Value.ETag;
            Assert.NotEqual(stale, current);

            var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
                blob.UploadAsync(BinaryData.FromString("v3"), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfMatch = stale } }));

            Assert.Equal(412, error.Status);
            Assert.Equal(BlobErrorCode.ConditionNotMet.ToString(), error.ErrorCode);
            Assert.Equal("v2", (await blob.DownloadContentAsync()).Value.Content.ToString());
        }

        [StorageFact]
        public async Task A_second_insert_of_the_same_table_entity_fails_409()
        {
            var table = await NewTableAsync();
            await table.AddEntityAsync(new TableEntity("session", "task-1") { ["Status"] = "queued" });

            var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
                table.AddEntityAsync(new TableEntity("session", "task-1") { ["Status"] = "running" }));

            Assert.Equal(409, error.Status);
            Assert.Equal(TableErrorCode.EntityAlreadyExists.ToString(), error.ErrorCode);
            Assert.Equal("queued", (await table.GetEntityAsync<TableEntity>("session", "task-1")).Value.GetString("Status"));
        }

        [StorageFact]
        public async Task A_table_update_with_a_stale_ETag_fails_412_and_keeps_the_newer_entity()
        {
            var table = await NewTableAsync();
            var stale = (await table.AddEntityAsync(new TableEntity("session", "task-1") { ["Status"] = "queued" })).Headers.ETag!.Value;
            var current = (await table.UpdateEntityAsync(new TableEntity("session", "task-1") { ["Status"] = "running" }, stale, TableUpdateMode.Replace)).Headers.ETag!.Value;
            Assert.NotEqual(stale, current);

            var error = await Assert.ThrowsAsync<RequestFailedException>(() =>
                table.UpdateEntityAsync(new TableEntity("session", "task-1") { ["Status"] = "failed" }, stale, TableUpdateMode.Replace));

            Assert.Equal(412, error.Status);
            Assert.Equal(TableErrorCode.UpdateConditionNotSatisfied.ToString(), error.ErrorCode);
            Assert.Equal("running", (await table.GetEntityAsync<TableEntity>("session", "task-1")).Value.GetString("Status"));
        }

        [StorageFact]
        public async Task The_account_is_this_runs_own_and_the_well_known_emulator_account_is_refused()
        {
            Assert.Matches("^[a-z0-9]{3,24}$", TestStorage.AccountName);
            Assert.NotEqual(WellKnownAccount, TestStorage.AccountName);
            Assert.NotEqual(WellKnownKey, TestStorage.AccountKey);
            Assert.Equal(64, Convert.FromBase64String(TestStorage.AccountKey).Length);
            Assert.Contains($"AccountName={TestStorage.AccountName};", TestStorage.ConnectionString);

            // The account's own key works; Azurite's usual account, with its published key, is not there at all.
            await new BlobServiceClient(TestStorage.ConnectionString).GetPropertiesAsync();
            var blob = new Uri(TestStorage.BlobEndpoint);
            if (blob.AbsolutePath.Trim('/') == TestStorage.AccountName)
            {
                var wellKnown = new BlobServiceClient(new Uri(blob, "/" + WellKnownAccount), new StorageSharedKeyCredential(WellKnownAccount, WellKnownKey));
                var error = await Assert.ThrowsAsync<RequestFailedException>(() => wellKnown.GetPropertiesAsync());
                Assert.InRange(error.Status, 400, 499);
            }
        }

        [Fact]
        public void NewName_gives_unique_names_valid_for_containers_and_tables_alike()
        {
            var names = new HashSet<string>();
            for (var i = 0; i < 1000; i++) Assert.True(names.Add(TestStorage.NewName("img")));
            foreach (var name in names)
            {
                Assert.Matches("^[a-z0-9](?!.*--)[a-z0-9-]{2,62}$", name); // a blob container
                Assert.Matches("^[A-Za-z][A-Za-z0-9]{2,62}$", name); // a table
            }
            Assert.Throws<ArgumentException>(() => TestStorage.NewName("Img"));
            Assert.Throws<ArgumentException>(() => TestStorage.NewName("9img"));
        }
    }
}
