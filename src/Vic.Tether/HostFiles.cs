using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// /etc/hostname, /etc/hosts and /etc/resolv.conf in the container root, written after the switch into it so
/// every path (and any symlink in the image) resolves inside the container, never in the initramfs.
/// </summary>
internal static class HostFiles
{
    /// <summary>
    /// Writes the files; /etc/resolv.conf only when the spec has DNS settings (else the image's stays). An image
    /// whose /etc is missing is given one; a read-only or odd /etc is not fatal (the process may not care), so each
    /// file that cannot be written comes back as a message to log.
    /// </summary>
    /// <param name="root">Where the container's root is writable: "/" or, for a read-only root, the tether's own
    /// writable view of it (<see cref="RootFilesystem.WritableRoot"/>).</param>
    public static List<string> Write(VmSpec spec, string hostname, string root = "/")
    {
        var failures = new List<string>();
        string etc = Path.Combine(root, "etc");
        if (File.Exists(etc))
        {
            failures.Add("/etc in the image is not a directory: /etc/hostname, /etc/hosts and /etc/resolv.conf not written");
            return failures;
        }
        try
        {
            Directory.CreateDirectory(etc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"cannot create /etc: {Reason(e)}: /etc/hostname, /etc/hosts and /etc/resolv.conf not written");
            return failures;
        }
        // The image's /etc keeps its mtime: these files are the VCH's, and docker diff and commit must not see /etc
        // as changed because of them (dockerd bind-mounts them instead).
        Timespec? etcTime = Files.FileOps.ModificationTime(etc);
        WriteFile(etc, "hostname", hostname + "\n", failures);
        WriteFile(etc, "hosts", EtcHosts.Render(hostname, spec.Domainname, spec.Interfaces, spec.ExtraHosts), failures);
        if (spec.Dns is DnsSpec dns)
        {
            WriteFile(etc, "resolv.conf", ResolvConf.Render(dns), failures);
        }
        if (etcTime is { } time)
        {
            try
            {
                Files.FileOps.SetTime(etc, time);
            }
            catch (TetherException e)
            {
                failures.Add(e.Message);
            }
        }
        return failures;
    }

    /// <summary>
    /// Rewrites /etc/resolv.conf alone (a lease brought other DNS servers); /etc keeps its time. Returns what failed.
    /// </summary>
    public static List<string> WriteResolvConf(DnsSpec dns, string root)
    {
        var failures = new List<string>();
        string etc = Path.Combine(root, "etc");
        Timespec? etcTime = Files.FileOps.ModificationTime(etc);
        WriteFile(etc, "resolv.conf", ResolvConf.Render(dns), failures);
        if (etcTime is { } time)
        {
            try
            {
                Files.FileOps.SetTime(etc, time);
            }
            catch (TetherException e)
            {
                failures.Add(e.Message);
            }
        }
        return failures;
    }

    /// <summary>
    /// Changes the running container's /etc/hosts in place (a network connect or disconnect), so what the process or
    /// the user wrote there stays; /etc keeps its time, as at boot. Returns why it could not, or "".
    /// </summary>
    public static string Change(Func<string, string> change)
    {
        // Through the tether's writable view when the container's root is read-only (--read-only).
        string etc = Path.Combine(RootFilesystem.WritableRoot, "etc");
        string path = Path.Combine(etc, "hosts");
        string current;
        try
        {
            current = File.Exists(path) ? File.ReadAllText(path) : "";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot read /etc/hosts: {Reason(e)}";
        }
        string updated = change(current);
        if (updated == current)
        {
            return "";
        }
        var failures = new List<string>();
        Timespec? etcTime = Files.FileOps.ModificationTime(etc);
        WriteFile(etc, "hosts", updated, failures);
        if (etcTime is { } time)
        {
            try
            {
                Files.FileOps.SetTime(etc, time);
            }
            catch (TetherException e)
            {
                failures.Add(e.Message);
            }
        }
        return string.Join("; ", failures);
    }

    /// <summary>
    /// Writes beside the target and renames over it: a symlink in the image (resolv.conf pointing at a resolver
    /// stub that does not exist here) is replaced rather than followed, as a container runtime's bind mount hides it.
    /// </summary>
    private static void WriteFile(string etc, string name, string content, List<string> failures)
    {
        string path = Path.Combine(etc, name);
        string temporary = Path.Combine(etc, "." + name + ".vic-tmp");
        try
        {
            File.WriteAllText(temporary, content);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failures.Add($"cannot write /etc/{name}: {Reason(e)}");
            try
            {
                File.Delete(temporary);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
                // Nothing more to do on a root that refuses writes.
            }
        }
    }

    /// <summary>
    /// errno's words: the tether is built without the BCL's message resources, so exception messages are bare
    /// resource keys; an IOException from a failed call carries the errno in HResult.
    /// </summary>
    private static string Reason(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException or FileNotFoundException => "no such file or directory",
        IOException io when io.HResult is > 0 and < 4096 => Sys.Describe(io.HResult),
        _ => e.Message,
    };
}
