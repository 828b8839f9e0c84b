using System.Globalization;

namespace NebulaVideo.Core
{
    /// <summary>Money in messages: invariant digits whatever the session's culture, never a rounded-away price.</summary>
    public static class Money
    {
        public static string Usd(decimal amount) => "$" + amount.ToString("0.####", CultureInfo.InvariantCulture);
    }
}
