using System.Security.Cryptography;
using System.Text;

namespace Vic.Admin.Auth;

/// <summary>
/// Checks a login token against the token file vic-machine wrote. The file is read at each attempt, so replacing
/// or deleting it takes effect without a restart. Both sides are hashed before the fixed-time comparison, so
/// neither the content nor the length of the token leaks through timing.
/// </summary>
internal sealed class TokenCheck(string? tokenFile)
{
    public bool Enabled => tokenFile is not null && File.Exists(tokenFile);

    /// <summary>The token's current value, so the log bundle can remove it wherever it appears; empty when off.</summary>
    public IReadOnlyList<string> CurrentSecrets()
    {
        try
        {
            return Enabled && File.ReadAllText(tokenFile!).Trim() is { Length: > 0 } token ? [token] : [];
        }
        catch (IOException)
        {
            return [];
        }
    }

    public bool Matches(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || !Enabled)
            return false;
        string expected;
        try
        {
            expected = File.ReadAllText(tokenFile!).Trim();
        }
        catch (IOException)
        {
            return false;
        }
        if (expected.Length == 0)
            return false;
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(candidate.Trim())), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
