using System.Security.Cryptography;
using Vic.Tether.Protocol;

namespace Vic.Vch;

/// <summary>
/// Inside the VCH appliance: opens the secrets vic-machine sealed into the appliance's spec (the tether writes them,
/// still sealed, to a directory and names it with <c>--sealed-secrets</c>) with the key on the appliance's key disk
/// (<c>--key-device</c>), and writes each as a 0400 file in <c>--secrets-dir</c> (a tmpfs), where the other flags
/// (--tls-key, --password-file...) name them. Done before anything reads those files.
/// </summary>
internal static class ApplianceSecrets
{
    public const string DefaultSecretsDir = "/run/vic/secrets";

    /// <summary>Opens every file of <paramref name="sealedDir"/>; the message of the first failure, or null.</summary>
    public static string? Open(string vchName, string sealedDir, string keyDevice, string secretsDir)
    {
        if (!OperatingSystem.IsLinux())
        {
            return "sealed secrets are opened only inside the Linux appliance";
        }
        SecretSealer sealer;
        try
        {
            sealer = SecretSealer.FromKeyDevice(vchName, keyDevice);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return $"cannot read the key from --key-device {keyDevice}: {e.Message}";
        }
        Directory.CreateDirectory(secretsDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string[] files;
        try
        {
            files = Directory.GetFiles(sealedDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot list --sealed-secrets {sealedDir}: {e.Message}";
        }
        foreach (string file in files.Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(file);
            byte[] plaintext;
            try
            {
                plaintext = sealer.Open(new SealedSecret(name, Convert.ToBase64String(File.ReadAllBytes(file))));
            }
            catch (CryptographicException)
            {
                // AES-GCM says no more than "the tag does not match": the key disk is another VCH's, or the value was
                // sealed for another VCH or name, or changed.
                return $"secret {name} does not open with the key on {keyDevice} for VCH {vchName}: wrong key disk, or the sealed value was changed or moved";
            }
            string target = Path.Combine(secretsDir, name);
            File.Delete(target);
            using FileStream output = new(target, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead,
            });
            output.Write(plaintext);
        }
        return null;
    }
}
