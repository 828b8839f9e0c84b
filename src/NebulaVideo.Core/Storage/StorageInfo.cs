using System;
using NebulaVideo.Core.Tasks;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// A session's storage as Connect- and Get-NebulaVideoStorage show it, in one object: the image store (where local
    /// images are staged) and the journal table, each with where it is and how it is reached. Never a key, a token or a
    /// connection string, so it is safe to log.
    /// </summary>
    /// <param name="Kind">The image store: "AzureBlob" or "ScriptBlock"; null when the session has none.</param>
    /// <param name="Account">The storage account: the image store's container's, else the journal table's; null for a script block alone.</param>
    /// <param name="Container">The image store's container; null for a script block or no image store.</param>
    /// <param name="Location">The container's address, without a query.</param>
    /// <param name="UrlLifetime">How long a read URL given to a gateway lasts; null where the token or the uploader decides.</param>
    /// <param name="Credential">How the image store is reached: "AccountKey", "SasToken" or "ScriptBlock".</param>
    /// <param name="JournalTable">The journal table's name; null when the journal is a file.</param>
    /// <param name="JournalLocation">The table's address, without a query: the JournalPath of the tasks it records.</param>
    /// <param name="JournalCredential">How the table is reached: "AccountKey" or "SasToken".</param>
    /// <param name="VideoContainers">Where Save-NebulaVideo -Container may save: "*" for any container of the account (a
    /// connection string), the one container a SAS is for, or null for none.</param>
    public sealed record StorageInfo(
        string? Kind, string? Account, string? Container, string? Location, TimeSpan? UrlLifetime, string? Credential,
        string? JournalTable, string? JournalLocation, string? JournalCredential, string? VideoContainers = null)
    {
        /// <summary>The storage of an image store, a journal table and an account for videos, any of them absent; null when all are.</summary>
        public static StorageInfo? Of(ImageStoreInfo? store, TableJournal? journal, string? videoAccount = null, string? videoContainers = null)
        {
            if (store is null && journal is null && videoContainers is null) return null;
            return new StorageInfo(store?.Kind, store?.Account ?? journal?.Account ?? videoAccount, store?.Container, store?.Location, store?.UrlLifetime,
                store?.Credential, journal?.Table, journal?.Location, journal?.Credential, videoContainers);
        }
    }
}
