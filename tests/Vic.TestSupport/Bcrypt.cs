using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Vic.TestSupport;

/// <summary>
/// bcrypt password hashes for registry htpasswd files (the only scheme docker-registry accepts), made by the system's
/// libcrypt (libxcrypt implements $2b$/$2y$), so no extra package is needed.
/// </summary>
public static partial class Bcrypt
{
    private const string Alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string Hash(string password)
    {
        // Cost 5 keeps tests fast; the registry checks any cost.
        string salt = "$2y$05$" + new string(RandomNumberGenerator.GetItems<char>(Alphabet, 21)) + "e";
        lock (Alphabet)
        {
            // crypt() returns a static buffer: serialise callers.
            nint result = crypt(password, salt);
            string? hash = result == 0 ? null : Marshal.PtrToStringAnsi(result);
            if (hash is null || !hash.StartsWith("$2y$05$", StringComparison.Ordinal))
            {
                throw new InvalidOperationException("libcrypt could not make a bcrypt hash");
            }
            return hash;
        }
    }

    [LibraryImport("libcrypt.so.1", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint crypt(string key, string salt);
}
