using System.Security.Cryptography;
using System.Text;

namespace Vic.Machine;

/// <summary>
/// Copies of the daemon and container base kept per local VCH, in <c>&lt;vch&gt;/releases/&lt;stamp&gt;/{vch,container-base}</c>.
/// The build's out/ directories are rewritten by every build, so a VCH that ran from them would change version under
/// its admin's feet and could not go back; with its own copy an upgrade is a switch from one directory to another and
/// a rollback the switch back. The stamp is vic-machine's version and a hash of the contents, so the same bits are
/// recognised whatever their path.
/// </summary>
internal static class Releases
{
    public const string DirectoryName = "releases";
    public const string DaemonDirectory = "vch";
    public const string ContainerBaseDirectory = "container-base";

    /// <summary>What a local containerVM boots from (container-base.iso is for vSphere and stays behind).</summary>
    public static readonly string[] ContainerBaseFiles = ["vmlinuz", "initramfs.cpio", "kernel-release", "VERSION"];

    public static string RootOf(VchRecord vch) => Path.Combine(vch.Directory, DirectoryName);

    /// <summary>
    /// The files of a daemon: the whole directory when it is a published .NET application (its <c>.dll</c> beside the
    /// binary: the binary is a launcher for it), else the binary alone.
    /// </summary>
    public static IReadOnlyList<string> DaemonFiles(string daemonPath)
    {
        string dir = Path.GetDirectoryName(daemonPath)!;
        if (!File.Exists(Path.Combine(dir, Path.GetFileName(daemonPath) + ".dll")))
            return [daemonPath];
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>"&lt;version&gt;-&lt;12 hex&gt;": a hash over the relative names and contents of the daemon's and the container base's files.</summary>
    public static string Stamp(string daemonPath, string containerBase, string version)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string daemonDir = Path.GetDirectoryName(daemonPath)!;
        foreach (string file in DaemonFiles(daemonPath))
            Append(hash, DaemonDirectory + "/" + Path.GetRelativePath(daemonDir, file), file);
        foreach (string name in ContainerBaseFiles)
        {
            string file = Path.Combine(containerBase, name);
            if (File.Exists(file))
                Append(hash, ContainerBaseDirectory + "/" + name, file);
        }
        return $"{version}-{Convert.ToHexStringLower(hash.GetHashAndReset())[..12]}";
    }

    private static void Append(IncrementalHash hash, string name, string file)
    {
        hash.AppendData(Encoding.UTF8.GetBytes(name + "\n"));
        using var stream = File.OpenRead(file);
        hash.AppendData(BitConverter.GetBytes(stream.Length));
        byte[] buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
            hash.AppendData(buffer, 0, n);
    }

    /// <summary>The release the given daemon and container base would be installed as in the VCH's directory; nothing is copied.</summary>
    public static VchRelease Describe(VchRecord vch, string daemonSource, string containerBaseSource)
    {
        string stamp = Stamp(daemonSource, containerBaseSource, Layout.Version);
        string dir = Path.Combine(RootOf(vch), stamp);
        return new VchRelease
        {
            DaemonPath = Path.Combine(dir, DaemonDirectory, Path.GetFileName(daemonSource)),
            ContainerBasePath = Path.Combine(dir, ContainerBaseDirectory),
            Version = Layout.Version,
            Stamp = stamp,
            DaemonSource = daemonSource,
            ContainerBaseSource = containerBaseSource,
        };
    }

    /// <summary>
    /// Copies the release's sources into its directory, unless a copy whose contents match the stamp is there already
    /// (an upgrade back to a kept release, or --force). Copies go to a temporary directory renamed into place, so a
    /// release directory is never half-written. Returns whether it made the directory (for the caller's undo).
    /// </summary>
    public static bool Install(VchRelease release, TextWriter progress)
    {
        if (release.Stamp is null || release.DaemonSource is null || release.ContainerBaseSource is null)
            throw new InvalidOperationException("only a stamped release with its sources can be installed");
        string dir = Path.GetDirectoryName(release.ContainerBasePath)!;
        if (Directory.Exists(dir))
        {
            if (Stamp(release.DaemonPath, release.ContainerBasePath, release.Version) == release.Stamp)
            {
                progress.WriteLine($"Release {release.Stamp} is installed already in {dir} (contents checked)");
                return false;
            }
            progress.WriteLine($"The copy in {dir} no longer matches {release.Stamp}: copying it again");
            Directory.Delete(dir, recursive: true);
        }
        string root = Path.GetDirectoryName(dir)!;
        Directory.CreateDirectory(root);
        string temp = Path.Combine(root, $".tmp-{Guid.NewGuid():N}");
        try
        {
            string daemonDir = Path.GetDirectoryName(release.DaemonSource)!;
            foreach (string file in DaemonFiles(release.DaemonSource))
                CopyInto(file, Path.Combine(temp, DaemonDirectory, Path.GetRelativePath(daemonDir, file)));
            foreach (string name in ContainerBaseFiles)
            {
                string file = Path.Combine(release.ContainerBaseSource, name);
                if (File.Exists(file))
                    CopyInto(file, Path.Combine(temp, ContainerBaseDirectory, name));
            }
            Directory.Move(temp, dir);
        }
        catch
        {
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
            throw;
        }
        progress.WriteLine($"Installed release {release.Stamp} (daemon from {Path.GetDirectoryName(release.DaemonSource)}, container base from {release.ContainerBaseSource}) in {dir}");
        return true;
    }

    // File.Copy keeps the mode bits on Unix: the daemon's launcher stays executable.
    private static void CopyInto(string source, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.Copy(source, destination);
    }

    /// <summary>Removes release directories (and leftovers of interrupted copies) that neither the VCH's release nor its rollback copy uses.</summary>
    public static void Prune(VchRecord vch, TextWriter progress)
    {
        string root = RootOf(vch);
        if (!Directory.Exists(root))
            return;
        // Kept: every release directory a path of the current or the previous release lies in (a configure --vch-binary
        // may have pointed the daemon elsewhere while the container base stays in its release).
        var kept = new[] { vch.Current, vch.Previous }.OfType<VchRelease>()
            .SelectMany(r => new[] { r.DaemonPath, r.ContainerBasePath })
            .Where(p => p.StartsWith(root + "/", StringComparison.Ordinal))
            .Select(p => Path.Combine(root, p[(root.Length + 1)..].Split('/')[0]))
            .ToHashSet(StringComparer.Ordinal);
        foreach (string dir in Directory.EnumerateDirectories(root))
        {
            if (kept.Contains(dir))
                continue;
            Directory.Delete(dir, recursive: true);
            if (!Path.GetFileName(dir).StartsWith('.'))
                progress.WriteLine($"Removed release {Path.GetFileName(dir)} (neither in use nor the rollback copy)");
        }
    }
}
