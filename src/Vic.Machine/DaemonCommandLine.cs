using System.Globalization;
using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>The vic-vch command line for a VCH record: the one place that maps the record to daemon options,
/// used both to start the daemon and to write its systemd unit.</summary>
internal static class DaemonCommandLine
{
    public static IReadOnlyList<string> For(VchRecord vch)
    {
        var args = new List<string>
        {
            vch.DaemonPath, "--name", vch.Name, "--datastore", vch.DatastorePath, "--socket", vch.SocketPath,
            "--container-base", vch.ContainerBasePath, "--pid-file", vch.PidFile, "--accelerator", vch.Accelerator,
        };
        if (vch.Debug)
            args.Add("--debug");
        if (vch.HasTcp)
        {
            args.AddRange(["--tcp", Endpoint.Format(Endpoint.ParseAddress(vch.EndpointAddress!), vch.EndpointPort)]);
            if (vch.Certificates is { } certs)
            {
                args.AddRange(["--tls-cert", certs.ServerCertFile, "--tls-key", certs.ServerKeyFile]);
                if (vch.TlsMode == TlsMode.Verify)
                    args.AddRange(["--tls-client-ca", certs.ClientCaBundleFile]);
            }
        }
        if (vch.MaxContainers is int containers)
            args.AddRange(["--max-containers", containers.ToString(CultureInfo.InvariantCulture)]);
        if (vch.MemoryBytes is long memory)
            args.AddRange(["--max-memory", memory.ToString(CultureInfo.InvariantCulture)]);
        if (vch.Cpus is int cpus)
            args.AddRange(["--max-cpus", cpus.ToString(CultureInfo.InvariantCulture)]);
        if (vch.StorageQuotaBytes is long quota)
            args.AddRange(["--storage-quota", quota.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(RegistryArgs(vch));
        args.AddRange(["--log-file", vch.LogFile]);
        if (vch.AdminPort is int admin)
            args.AddRange(["--admin-port", admin.ToString(CultureInfo.InvariantCulture), "--admin-token-file", vch.AdminTokenFile,
                "--admin-config-file", Path.Combine(vch.Directory, "vch.json")]);
        else
            args.Add("--no-admin");
        foreach (string store in vch.VolumeStores)
            args.AddRange(["--volume-store", store]);
        args.AddRange(NetworkFlags.DaemonArgs(vch));
        return args;
    }

    private static IEnumerable<string> RegistryArgs(VchRecord vch) =>
        vch.InsecureRegistries.SelectMany(r => new[] { "--insecure-registry", r })
            .Concat(vch.RegistryCaFiles.SelectMany(f => new[] { "--registry-ca", f }))
            .Concat(vch.WhitelistRegistries.SelectMany(r => new[] { "--whitelist-registry", r }))
            .Concat(vch.RegistryMirrors.SelectMany(m => new[] { "--registry-mirror", m }));
}
