using System.Security.Cryptography;
using System.Text;

namespace Vic.Tether.Protocol;

/// <summary>
/// Seals and opens the VCH appliance's secrets (vSphere password, TLS server key...) carried sealed in its spec
/// (<see cref="ApplianceSpec.Secrets"/>): vic-machine seals them, vic-vch inside the appliance opens them with the key
/// disk. The tether only hands the sealed bytes on; it never sees a key.
/// <para>
/// Why the key lives on a disk of the appliance and not in extraConfig: config.extraConfig, guestinfo keys included,
/// is readable by anyone with read-only access to the VM in vSphere, and guestinfo.* by every process in the guest
/// that talks to the backdoor. A key in another extraConfig key would be just as visible to those API readers and
/// invisible to the appliance, which must decrypt. A small raw disk of the appliance's own (the key disk) is read
/// inside the appliance by root only, and through vSphere only by someone with datastore browse and download rights
/// on the VCH's directory: a privilege an operator already treats as access to the VM's data.
/// </para>
/// Key disk layout (raw, <see cref="KeyDiskBytes"/> long): <see cref="Magic"/> (8 bytes), the 32-byte key, zeros.
/// Each secret: AES-256-GCM, 12-byte random nonce, 16-byte tag, associated data "vic/&lt;vch&gt;/&lt;name&gt;" so a
/// sealed value cannot be moved to another VCH or name; stored as base64 of nonce | ciphertext | tag.
/// </summary>
public sealed class SecretSealer
{
    public const string Magic = "VICKEY01";
    public const int KeyDiskBytes = 1024 * 1024;
    private const int KeyBytes = 32, NonceBytes = 12, TagBytes = 16;

    private readonly byte[] _key;
    private readonly string _vch;

    public SecretSealer(string vch, byte[] key)
    {
        if (key.Length != KeyBytes)
        {
            throw new ArgumentException("the key is 32 bytes", nameof(key));
        }
        _vch = vch;
        _key = key;
    }

    public static SecretSealer CreateNew(string vch) => new(vch, RandomNumberGenerator.GetBytes(KeyBytes));

    /// <summary>Reads the key back from a key disk's first bytes; <see cref="InvalidDataException"/> when they are not one.</summary>
    public static SecretSealer FromKeyDisk(string vch, ReadOnlySpan<byte> disk)
    {
        if (disk.Length < Magic.Length + KeyBytes || !disk[..Magic.Length].SequenceEqual(Encoding.ASCII.GetBytes(Magic)))
        {
            throw new InvalidDataException($"the key disk of VCH {vch} does not start with {Magic}");
        }
        return new SecretSealer(vch, disk.Slice(Magic.Length, KeyBytes).ToArray());
    }

    /// <summary>Reads the key from the first bytes of <paramref name="device"/> (a block device or a file).</summary>
    public static SecretSealer FromKeyDevice(string vch, string device)
    {
        byte[] head = new byte[Magic.Length + KeyBytes];
        using (FileStream stream = new(device, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            stream.ReadExactly(head);
        }
        return FromKeyDisk(vch, head);
    }

    public SealedSecret Seal(string name, ReadOnlySpan<byte> plaintext)
    {
        byte[] output = new byte[NonceBytes + plaintext.Length + TagBytes];
        Span<byte> nonce = output.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceBytes, plaintext.Length), output.AsSpan(NonceBytes + plaintext.Length), Aad(name));
        return new SealedSecret(name, Convert.ToBase64String(output));
    }

    /// <summary>The plaintext; <see cref="CryptographicException"/> when the key, the VCH or the name do not match.</summary>
    public byte[] Open(SealedSecret secret)
    {
        byte[] input = Convert.FromBase64String(secret.Sealed);
        if (input.Length < NonceBytes + TagBytes)
        {
            throw new CryptographicException($"sealed secret {secret.Name} is too short");
        }
        byte[] plaintext = new byte[input.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(input.AsSpan(0, NonceBytes), input.AsSpan(NonceBytes, plaintext.Length), input.AsSpan(NonceBytes + plaintext.Length), plaintext, Aad(secret.Name));
        return plaintext;
    }

    private byte[] Aad(string name) => Encoding.UTF8.GetBytes($"vic/{_vch}/{name}");

    /// <summary>The raw key disk contents.</summary>
    public byte[] KeyDisk()
    {
        byte[] disk = new byte[KeyDiskBytes];
        Encoding.ASCII.GetBytes(Magic).CopyTo(disk, 0);
        _key.CopyTo(disk, Magic.Length);
        return disk;
    }
}
