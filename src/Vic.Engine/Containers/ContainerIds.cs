using System.Security.Cryptography;

namespace Vic.Engine.Containers;

internal static class ContainerIds
{
    /// <summary>64 lowercase hex characters. Like dockerd, avoid all-digit short IDs (they read as numbers).</summary>
    public static string New()
    {
        while (true)
        {
            string id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            if (!id.AsSpan(0, 12).ContainsAnyExceptInRange('0', '9'))
                continue;
            return id;
        }
    }

    public static bool IsFullId(string s) => s.Length == 64 && s.All(char.IsAsciiHexDigitLower);

    public static string Short(string id) => id.Length > 12 ? id[..12] : id;
}
