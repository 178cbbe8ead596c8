using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Vic.Admin.Auth;

/// <summary>
/// Sessions made by a token login, in memory only: a daemon restart logs everyone out, which is the safe side.
/// The cookie carries 256 random bits; the store keeps only their SHA-256, so lookups reveal nothing by timing.
/// </summary>
internal sealed class SessionStore(TimeProvider time, TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _expiry = new(StringComparer.Ordinal);

    public TimeSpan Lifetime => lifetime;

    /// <summary>A new session; returns the value for the cookie.</summary>
    public string Create()
    {
        DropExpired();
        string id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        _expiry[Key(id)] = time.GetUtcNow() + lifetime;
        return id;
    }

    public bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_expiry.TryGetValue(Key(id), out var expires))
            return false;
        if (expires > time.GetUtcNow())
            return true;
        _expiry.TryRemove(Key(id), out _);
        return false;
    }

    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id))
            _expiry.TryRemove(Key(id), out _);
    }

    public int Count => _expiry.Count;

    private void DropExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (key, expires) in _expiry)
            if (expires <= now)
                _expiry.TryRemove(key, out _);
    }

    private static string Key(string id) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(id)));
}
