using System;
using System.Net;
using System.Net.Sockets;

namespace NebulaVideo.Core.Http
{
    /// <summary>Which hosts are this machine or a private network, judged from the address alone (no DNS).</summary>
    internal static class HostRules
    {
        public static bool IsLoopback(Uri uri) =>
            uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));

        /// <summary>
        /// Loopback, "localhost", unspecified, link-local and private-range addresses (10/8, 172.16/12,
        /// 192.168/16, 100.64/10, fc00::/7): where a gateway must never be told to call back.
        /// </summary>
        public static bool IsInternal(Uri uri)
        {
            // "localhost." is the same name as "localhost": a fully qualified name ends in a dot.
            var host = uri.Host.Trim('[', ']').TrimEnd('.');
            if (IsLoopback(uri) || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
                || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
                return true;
            if (!IPAddress.TryParse(host, out var ip)) return false;
            if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
            if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            {
                var b6 = ip.GetAddressBytes();
                return ip.Equals(IPAddress.IPv6Any) || ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || (b6[0] & 0xFE) == 0xFC;
            }
            var b = ip.GetAddressBytes();
            return b[0] == 0 || b[0] == 10 || b[0] == 127
                || (b[0] == 172 && b[1] >= 16 && b[1] <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254)
                || (b[0] == 100 && b[1] >= 64 && b[1] <= 127);
        }
    }
}
