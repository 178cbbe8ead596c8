using System.Diagnostics;

namespace Vic.Tether.Tests.Boot;

/// <summary>Root disks for boot tests: a busybox-static userland made into ext4 with mkfs.ext4 -d, then qcow2.</summary>
internal static class Disks
{
    private static readonly string[] Applets = ["sh", "echo", "ls", "cat", "id", "sleep", "tty", "stty", "pwd", "env", "true", "ip", "ping", "grep"];

    /// <summary>Builds a busybox root under <paramref name="workDir"/>; <paramref name="customize"/> may add files. Returns the qcow2 path.</summary>
    public static string BuildBusyboxRoot(string workDir, string name, Action<string>? customize = null)
    {
        string root = Path.Combine(workDir, name + ".d");
        Directory.CreateDirectory(Path.Combine(root, "bin"));
        Directory.CreateDirectory(Path.Combine(root, "etc"));
        Directory.CreateDirectory(Path.Combine(root, "tmp"));
        Directory.CreateDirectory(Path.Combine(root, "home", "user"));
        File.Copy("/bin/busybox", Path.Combine(root, "bin", "busybox"));
        foreach (string applet in Applets)
        {
            File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
        }
        File.WriteAllText(Path.Combine(root, "etc", "passwd"),
            "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:Test User:/home/user:/bin/sh\n");
        File.WriteAllText(Path.Combine(root, "etc", "group"), "root:x:0:\nusers:x:1000:\nextra:x:2000:user\n");
        customize?.Invoke(root);
        Run("chown", "1000:1000", Path.Combine(root, "home", "user"));

        string raw = Path.Combine(workDir, name + ".img");
        string qcow2 = Path.Combine(workDir, name + ".qcow2");
        Run("mkfs.ext4", "-q", "-F", "-d", root, raw, "64M");
        Run("qemu-img", "convert", "-O", "qcow2", raw, qcow2);
        File.Delete(raw);
        return qcow2;
    }

    /// <summary>A copy-on-write child of <paramref name="parent"/>, as the backend gives each container and layer.</summary>
    public static string Child(string parent, string path)
    {
        Run("qemu-img", "create", "-q", "-f", "qcow2", "-b", parent, "-F", "qcow2", path);
        return path;
    }

    public static string Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(psi)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
        }
        return stdout;
    }
}
