using System.Text.RegularExpressions;

namespace Vic.Admin.Bundle;

/// <summary>
/// Removes secrets from text before it leaves the VCH in a log bundle: PEM private keys, known secret values (the
/// vicadmin token), credentials in URLs, Authorization headers, and the values of JSON properties, key=value pairs and
/// --flags whose name says password, secret, token, passphrase, credential or API key. A name ending in file, path,
/// dir or source refers to where a secret is kept, not to the secret, and is left alone.
/// </summary>
internal sealed partial class SecretMasker(IEnumerable<string> knownSecrets)
{
    public const string Mask = "********";

    private readonly string[] _known = knownSecrets.Where(s => s.Length >= 8).Distinct(StringComparer.Ordinal).ToArray();

    private const string SecretWord = "password|passwd|pwd|secret|token|passphrase|credential|api[_-]?key|private[_-]?key";

    [GeneratedRegex(@"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END \1PRIVATE KEY-----|\z)", RegexOptions.Singleline)]
    private static partial Regex PemPrivateKey();

    [GeneratedRegex(@"""([A-Za-z0-9_.-]*(?:" + SecretWord + @")[A-Za-z0-9_.-]*)""(\s*:\s*)""((?:[^""\\]|\\.)*)""", RegexOptions.IgnoreCase)]
    private static partial Regex JsonSecret();

    [GeneratedRegex(@"(--[A-Za-z0-9-]*(?:" + SecretWord + @")[A-Za-z0-9-]*)(=|\s+)([^\s""']+)", RegexOptions.IgnoreCase)]
    private static partial Regex FlagSecret();

    [GeneratedRegex(@"\b([A-Za-z0-9_.]*(?:" + SecretWord + @")[A-Za-z0-9_.]*)(\s*[=:]\s*)([^\s""',;&]+)", RegexOptions.IgnoreCase)]
    private static partial Regex PairSecret();

    [GeneratedRegex(@"\b([a-z][a-z0-9+.-]*://)([^/\s:@]+):([^/\s@]+)@", RegexOptions.IgnoreCase)]
    private static partial Regex UrlCredentials();

    [GeneratedRegex(@"\b(authorization|x-registry-auth|proxy-authorization)(""?\s*[:=]\s*""?)((?:basic|bearer)\s+)?([A-Za-z0-9+/=._~-]{6,})", RegexOptions.IgnoreCase)]
    private static partial Regex AuthHeader();

    public string Apply(string text)
    {
        foreach (string secret in _known)
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        text = PemPrivateKey().Replace(text, "[private key removed]");
        text = UrlCredentials().Replace(text, m => m.Groups[1].Value + m.Groups[2].Value + ":" + Mask + "@");
        text = AuthHeader().Replace(text, m => m.Groups[1].Value + m.Groups[2].Value + m.Groups[3].Value + Mask);
        text = JsonSecret().Replace(text, m => IsReference(m.Groups[1].Value) ? m.Value : $"\"{m.Groups[1].Value}\"{m.Groups[2].Value}\"{Mask}\"");
        text = FlagSecret().Replace(text, m => IsReference(m.Groups[1].Value) ? m.Value : m.Groups[1].Value + m.Groups[2].Value + Mask);
        text = PairSecret().Replace(text, m => IsReference(m.Groups[1].Value) || m.Groups[3].Value == Mask ? m.Value : m.Groups[1].Value + m.Groups[2].Value + Mask);
        return text;
    }

    /// <summary>Names such as TokenFile, --admin-token-file or TlsServerKeySource say where a secret is, not what it is.</summary>
    private static bool IsReference(string name)
    {
        string n = name.ToLowerInvariant().TrimEnd('s');
        return n.EndsWith("file", StringComparison.Ordinal) || n.EndsWith("path", StringComparison.Ordinal)
            || n.EndsWith("dir", StringComparison.Ordinal) || n.EndsWith("source", StringComparison.Ordinal);
    }
}
