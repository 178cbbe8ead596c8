using System.Text;

namespace Vic.Machine;

/// <summary>A systemd service unit that starts a VCH's daemon at boot; the daemon then re-adopts its containers.</summary>
internal static class SystemdUnit
{
    public const string DefaultDirectory = "/etc/systemd/system";

    public static string NameFor(VchRecord vch) => $"vic-vch-{vch.Name}.service";

    public static string Render(VchRecord vch)
    {
        var unit = new StringBuilder();
        unit.Append("# Written by vic-machine ").Append(Layout.Version).Append(" for VCH ").Append(vch.Name).Append('\n');
        unit.Append("[Unit]\n");
        unit.Append("Description=vic Virtual Container Host ").Append(vch.Name).Append('\n');
        unit.Append("Documentation=file:").Append(Escape(vch.Directory)).Append('\n');
        unit.Append("After=network-online.target local-fs.target\n");
        unit.Append("Wants=network-online.target\n");
        unit.Append("RequiresMountsFor=").Append(Quote(vch.Directory)).Append('\n');
        unit.Append('\n');
        unit.Append("[Service]\n");
        unit.Append("Type=simple\n");
        unit.Append("ExecStart=").Append(string.Join(' ', DaemonCommandLine.For(vch).Select(Quote))).Append('\n');
        // containerVMs are QEMU processes the daemon started, so they share its cgroup. Stopping or restarting
        // the service must end only the daemon: containers outlive it (DESIGN rule 2) and are re-adopted.
        unit.Append("KillMode=process\n");
        unit.Append("KillSignal=SIGTERM\n");
        unit.Append("TimeoutStopSec=30\n");
        unit.Append("Restart=on-failure\n");
        unit.Append("RestartSec=2\n");
        unit.Append("StandardOutput=append:").Append(Escape(vch.LogFile)).Append('\n');
        unit.Append("StandardError=append:").Append(Escape(vch.LogFile)).Append('\n');
        unit.Append('\n');
        unit.Append("[Install]\n");
        unit.Append("WantedBy=multi-user.target\n");
        return unit.ToString();
    }

    /// <summary>Writes the unit into <paramref name="directory"/>; returns its path. Enabling it is left to the admin.</summary>
    public static string Write(VchRecord vch, string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, NameFor(vch));
        File.WriteAllText(path, Render(vch));
        return path;
    }

    /// <summary>One ExecStart word: double-quoted when it needs it, with systemd's specifier '%' doubled.</summary>
    private static string Quote(string word)
    {
        string escaped = Escape(word);
        return escaped.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or ';')
            ? "\"" + escaped.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
            : escaped;
    }

    private static string Escape(string text) => text.Replace("%", "%%", StringComparison.Ordinal);
}
