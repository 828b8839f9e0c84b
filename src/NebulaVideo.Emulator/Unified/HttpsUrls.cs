using System;
using System.Net;
using System.Net.Sockets;

namespace NebulaVideo.Emulator.Unified;

/// <summary>
/// The URL rules of the unified gateway's documents: every URL it takes is HTTPS, and a callback must not
/// point into a private network (the gateway would otherwise call into its own or a caller's intranet). The one
/// exception is the emulator's own: an image may be plain HTTP on loopback, where tests stage it.
/// </summary>
internal static class HttpsUrls
{
    public static bool TryParse(string? text, out Uri url)
    {
        url = null!;
        if (text is null || !Uri.TryCreate(text, UriKind.Absolute, out var parsed)) return false;
        if (parsed.Scheme != Uri.UriSchemeHttps || parsed.Host.Length == 0) return false;
        url = parsed;
        return true;
    }

    /// <summary>
    /// An image URL: HTTPS as the documents ask, or plain HTTP on a loopback host, which is how a test's own storage
    /// (Azurite, a listener) serves on this machine; HTTP anywhere else is still refused.
    /// </summary>
    public static bool TryParseImage(string? text, out Uri url)
    {
        url = null!;
        if (TryParse(text, out url)) return true;
        if (text is null || !Uri.TryCreate(text, UriKind.Absolute, out var parsed)) return false;
        if (parsed.Scheme != Uri.UriSchemeHttp || !IsLoopback(parsed)) return false;
        url = parsed;
        return true;
    }

    /// <summary>localhost (and its subdomains, RFC 6761), 127.0.0.0/8 and ::1: this machine.</summary>
    public static bool IsLoopback(Uri url)
    {
        var host = url.DnsSafeHost;
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
            return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    /// <summary>Loopback, private, link-local or unspecified hosts: 127.0.0.1, 10.x, 172.16-31.x, 192.168.x, ::1, fc00::/7...</summary>
    public static bool IsInternal(Uri url)
    {
        if (IsLoopback(url)) return true;
        if (!IPAddress.TryParse(url.DnsSafeHost, out var address)) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.Equals(IPAddress.IPv6Any) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] == 0 || b[0] == 10
            || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
            || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254)
            || (b[0] == 100 && b[1] >= 64 && b[1] <= 127); // carrier-grade NAT: private too
    }
}
