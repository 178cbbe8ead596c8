using System.Text;
using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>Checks a VCH record's endpoint and certificates (<see cref="Validate"/>, no changes), then writes its
/// certificates, env file and record (<see cref="Apply"/>). Shared by create and configure.</summary>
internal static class VchSetup
{
    /// <summary>Validates the endpoint against this host and the other VCHs, resolves port 0, and plans the certificates.</summary>
    public static (VchRecord Record, TlsPlan? Plan) Validate(VchRecord vch, VchRecord? before, VchStore store, DateTimeOffset now)
    {
        if (vch.HasTcp)
        {
            var address = Endpoint.ParseAddress(vch.EndpointAddress!);
            foreach (var other in store.List().Where(o => o.Name != vch.Name && o.HasTcp))
            {
                if (vch.EndpointPort != 0 && Endpoint.Overlap(address, vch.EndpointPort, Endpoint.ParseAddress(other.EndpointAddress!), other.EndpointPort))
                    throw new MachineException($"VCH {other.Name} already uses {other.EndpointAddress}:{other.EndpointPort}: choose another --endpoint-port", ExitCodes.Conflict);
            }
            // The running daemon holds its own endpoint: only a new endpoint can be probed.
            bool unchanged = before is { HasTcp: true } && before.EndpointAddress == vch.EndpointAddress && before.EndpointPort == vch.EndpointPort;
            if (!unchanged)
                vch = vch with { EndpointPort = Endpoint.ProbeFree(address, vch.EndpointPort) };
        }
        if (!vch.HasTcp || vch.Certificates is not { } certs)
            return (vch, null);
        var (dns, addresses) = Endpoint.ServerNames(Endpoint.ParseAddress(vch.EndpointAddress!), vch.TlsCnames);
        var plan = certs.Plan(new TlsRequest
        {
            VchName = vch.Name,
            CertPath = certs.Path,
            Mode = vch.TlsMode,
            DnsNames = dns,
            Addresses = addresses,
            ServerCertFile = vch.TlsServerCertSource,
            ServerKeyFile = vch.TlsServerKeySource,
            ExtraClientCaFiles = vch.TlsCaSources,
        }, now);
        return (vch, plan);
    }

    /// <summary>Every file <see cref="Apply"/> may write, for a snapshot before it does.</summary>
    public static IEnumerable<string> FilesWritten(VchRecord vch, VchStore store)
    {
        yield return store.RecordFile(vch.Name);
        yield return vch.EnvFile;
        if (vch.Certificates is { } certs)
            foreach (string file in certs.AllFiles)
                yield return file;
    }

    public static void Apply(VchRecord vch, TlsPlan? plan, VchStore store, TextWriter progress)
    {
        if (plan is not null)
        {
            foreach (string note in plan.Notes)
                progress.WriteLine($"TLS: {note}");
            foreach (string warning in plan.Warnings)
                progress.WriteLine($"WARNING: {warning}");
            new CertificateDirectory(plan.Request.CertPath).Write(plan);
            progress.WriteLine($"TLS: certificates in {plan.Request.CertPath}");
        }
        if (vch.HasTcp && vch.TlsMode == TlsMode.Off)
            progress.WriteLine($"WARNING: the Docker API on tcp://{vch.EndpointAddress}:{vch.EndpointPort} has NO TLS: anyone who can reach that port controls this VCH and every container in it");
        else if (vch.HasTcp && vch.TlsMode == TlsMode.ServerOnly)
            progress.WriteLine("WARNING: --no-tlsverify: traffic is encrypted but any client that reaches the port may use this VCH");
        store.Save(vch);
        WriteEnvFile(vch);
    }

    public static void WriteEnvFile(VchRecord vch)
    {
        var text = new StringBuilder();
        foreach (var (key, value) in vch.ClientEnvironment)
            text.Append(key).Append('=').Append(value).Append('\n');
        File.WriteAllText(vch.EnvFile, text.ToString());
    }
}
