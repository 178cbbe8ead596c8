using System.Globalization;
using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>The <c>vic-machine create</c> command line that reproduces a VCH (<c>inspect config</c>).</summary>
internal static class CreateCommandLine
{
    public static IReadOnlyList<string> For(VchRecord vch, string defaultRoot)
    {
        var args = new List<string> { "vic-machine" };
        string root = Path.GetDirectoryName(vch.Directory)!;
        if (root != Path.GetFullPath(defaultRoot))
            args.AddRange(["--root", root]);
        args.AddRange(["create", "--name", vch.Name, "--container-base", vch.ContainerBasePath, "--vch-binary", vch.DaemonPath]);
        if (vch.Accelerator != "auto")
            args.AddRange(["--accelerator", vch.Accelerator]);
        if (vch.HasTcp)
        {
            args.AddRange(["--endpoint-address", vch.EndpointAddress!, "--endpoint-port", vch.EndpointPort.ToString(CultureInfo.InvariantCulture)]);
            switch (vch.TlsMode)
            {
                case TlsMode.Off:
                    args.Add("--no-tls");
                    break;
                case TlsMode.ServerOnly:
                    args.Add("--no-tlsverify");
                    break;
            }
            foreach (string cname in vch.TlsCnames)
                args.AddRange(["--tls-cname", cname]);
            if (vch.CertPath is string certs && certs != Path.Combine(vch.Directory, "certs"))
                args.AddRange(["--tls-cert-path", certs]);
            if (vch.TlsServerCertSource is string cert && vch.TlsServerKeySource is string key)
                args.AddRange(["--tls-server-cert", cert, "--tls-server-key", key]);
            foreach (string ca in vch.TlsCaSources)
                args.AddRange(["--tls-ca", ca]);
        }
        if (vch.MaxContainers is int containers)
            args.AddRange(["--containers", containers.ToString(CultureInfo.InvariantCulture)]);
        if (vch.MemoryBytes is long memory)
            args.AddRange(["--memory", ByteSize.Format(memory)]);
        if (vch.Cpus is int cpus)
            args.AddRange(["--cpu", cpus.ToString(CultureInfo.InvariantCulture)]);
        if (vch.StorageQuotaBytes is long quota)
            args.AddRange(["--storage-quota", ByteSize.Format(quota)]);
        foreach (string registry in vch.InsecureRegistries)
            args.AddRange(["--insecure-registry", registry]);
        foreach (string ca in vch.RegistryCaFiles)
            args.AddRange(["--registry-ca", ca]);
        foreach (string registry in vch.WhitelistRegistries)
            args.AddRange(["--whitelist-registry", registry]);
        foreach (string mirror in vch.RegistryMirrors)
            args.AddRange(["--registry-mirror", mirror]);
        foreach (string store in vch.VolumeStores)
            args.AddRange(["--volume-store", store]);
        args.AddRange(NetworkFlags.DaemonArgs(vch));
        if (vch.AdminPort is int admin && admin != AdminSetup.DefaultPort)
            args.AddRange(["--admin-port", admin.ToString(CultureInfo.InvariantCulture)]);
        else if (vch.AdminPort is null && vch.HasTcp && vch.TlsMode != TlsMode.Off)
            args.Add("--no-admin");
        if (vch.SystemdUnitFile is string unit)
        {
            args.Add("--systemd");
            if (Path.GetDirectoryName(unit) is string unitDir && unitDir != SystemdUnit.DefaultDirectory)
                args.AddRange(["--systemd-unit-dir", unitDir]);
        }
        return args;
    }

    /// <summary>POSIX shell quoting: words that need it are single-quoted.</summary>
    public static string ShellJoin(IEnumerable<string> args) =>
        string.Join(' ', args.Select(a => a.Length > 0 && a.All(c => char.IsAsciiLetterOrDigit(c) || "-_./:=@,+%".Contains(c))
            ? a
            : "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
}
