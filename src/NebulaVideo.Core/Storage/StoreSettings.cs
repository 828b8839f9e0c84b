using System;
using System.Text.RegularExpressions;
using NebulaVideo.Core.Http;

namespace NebulaVideo.Core.Storage
{
    /// <summary>
    /// The checks of an image store's settings, made before anything is sent: a URL lifetime in range, a container
    /// name Azure takes, an endpoint that is https (or this machine's emulator), tokens that are current and a read
    /// token that reads and does nothing else. No message repeats a token or a key.
    /// </summary>
    internal static class StoreSettings
    {
        private static readonly Regex ContainerName = new Regex("^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", RegexOptions.CultureInvariant);

        public static void CheckLifetime(TimeSpan lifetime)
        {
            if (lifetime <= TimeSpan.Zero || lifetime > AzureBlobImageStore.MaxUrlLifetime)
                throw new NebulaVideoException(ErrorIds.StorageSettingInvalid,
                    $"The URL lifetime {lifetime} is out of range: a read URL given to a gateway must last more than 0 and at most {AzureBlobImageStore.MaxUrlLifetime.TotalDays:0} days.",
                    lifetime, $"Give a lifetime above zero and up to {AzureBlobImageStore.MaxUrlLifetime.TotalDays:0} days; {AzureBlobImageStore.DefaultUrlLifetime.TotalHours:0} hours is the default.");
        }

        public static void CheckContainerName(string container)
        {
            if (container is not null && ContainerName.IsMatch(container)) return;
            // Said back only when it cannot be a misplaced connection string or token.
            var shown = container is null || container.Length > 63 || container.IndexOfAny(new[] { '=', ';', '&' }) >= 0 ? null : container;
            throw Invalid(shown is null ? "That is not a container name." : $"'{shown}' is not a container name.", shown,
                    "Name the container with 3 to 63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit.");
        }

        private static readonly Regex TableName = new Regex("^[A-Za-z][A-Za-z0-9]{2,62}$", RegexOptions.CultureInvariant);

        public static void CheckTableName(string table)
        {
            if (table is not null && TableName.IsMatch(table)) return;
            var shown = table is null || table.Length > 63 || table.IndexOfAny(new[] { '=', ';', '&' }) >= 0 ? null : table;
            throw Invalid(shown is null ? "That is not a table name." : $"'{shown}' is not a table name.", shown,
                "Name the table with 3 to 63 letters and digits, starting with a letter.");
        }

        public static void CheckSecure(Uri endpoint, object target)
        {
            if (endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && HostRules.IsLoopback(endpoint))) return;
            throw Invalid($"The storage endpoint {endpoint.GetLeftPart(UriPartial.Authority)} is not https: the key or token and the images would travel in clear.", target,
                "Use https (DefaultEndpointsProtocol=https); plain http is taken only for an emulator on this machine.");
        }

        public static void CheckNotExpired(SasToken token, string which, object target)
        {
            if (token.ExpiresOn is DateTimeOffset end && end <= DateTimeOffset.UtcNow)
                throw new NebulaVideoException(ErrorIds.StorageTokenExpired, $"The {which} token expired at {end:u}.", target,
                    "Mint a new SAS for the container with a later expiry (se=).");
        }

        public static void CheckReadOnly(SasToken read, object target)
        {
            var permissions = read.Permissions ?? string.Empty;
            if (read.IsAccountSas || permissions.Replace("r", string.Empty).Length > 0)
                throw new NebulaVideoException(ErrorIds.StorageReadTokenTooBroad,
                    read.IsAccountSas
                        ? "The read token is an account SAS: gateways would get read access to the whole account."
                        : $"The read token grants '{permissions}': gateways get it, so it must grant read (r) and nothing else.",
                    target, "Mint a container SAS with read permission only (sp=r) for gateways; keep write, list and delete to the write token.");
            if (permissions.Length == 0)
                throw Invalid("The read token names no permission (sp=): it must grant read (sp=r).", target, "Mint a container SAS with read permission only (sp=r).");
            if (read.Field("sr") is string resource && resource != "c")
                throw Invalid($"The read token is for sr={resource}, not for the container (sr=c): it cannot read the blobs the store makes.", target,
                    "Mint the read token for the container (sr=c), read only (sp=r).");
        }

        public static NebulaVideoException Invalid(string message, object? target, string advice) =>
            new NebulaVideoException(ErrorIds.StorageSettingInvalid, message, target, advice);
    }
}
