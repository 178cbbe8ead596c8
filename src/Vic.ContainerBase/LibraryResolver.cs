using System.Diagnostics;

namespace Vic.ContainerBase;

/// <summary>Finds the shared libraries a dynamically linked executable needs, by asking ldd.</summary>
internal static class LibraryResolver
{
    /// <summary>Runs ldd on <paramref name="executable"/> and returns the absolute library paths it loads.</summary>
    public static IReadOnlyList<string> Resolve(string executable)
    {
        var psi = new ProcessStartInfo("ldd") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(executable);
        using Process process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start ldd");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ldd {executable} failed: {output}{stderr.Result}".Trim());
        }
        return ParseLddOutput(output);
    }

    /// <summary>
    /// Parses ldd output. Lines look like "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)",
    /// "/lib64/ld-linux-x86-64.so.2 (0x...)" or "linux-vdso.so.1 (0x...)" (the vDSO: no file, skipped).
    /// A "not found" library is an error: the initramfs would not run.
    /// </summary>
    public static IReadOnlyList<string> ParseLddOutput(string output)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (string rawLine in output.Split('\n'))
        {
            string line = rawLine.Trim();
            if (line.Length == 0 || line.Contains("statically linked", StringComparison.Ordinal))
            {
                continue;
            }
            if (line.Contains("not found", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"missing shared library: {line}");
            }
            int arrow = line.IndexOf("=>", StringComparison.Ordinal);
            string candidate = (arrow >= 0 ? line[(arrow + 2)..] : line).Trim();
            int paren = candidate.IndexOf(" (", StringComparison.Ordinal);
            if (paren >= 0)
            {
                candidate = candidate[..paren];
            }
            if (candidate.StartsWith('/'))
            {
                paths.Add(candidate);
            }
        }
        return [.. paths];
    }
}
