using System.Security.Cryptography;
using Vic.Machine.Tls;

namespace Vic.Machine;

/// <summary>
/// vicadmin for a local VCH: its port (checked against this host and every VCH's endpoints before anything is
/// written; 0 resolved to a free port) and its login token, 32 random bytes in a 0600 file in the VCH's directory.
/// </summary>
internal static class AdminSetup
{
    /// <summary>2378 beside the Docker endpoint's 2376, as VIC had it.</summary>
    public const int DefaultPort = 2378;

    public const string TokenFileName = "admin-token";

    /// <summary>The record with its vicadmin port checked and resolved; a VCH without TLS gets no vicadmin.</summary>
    /// <param name="before">The VCH before a configure: its running daemon holds its own vicadmin port, which is then not probed.</param>
    public static VchRecord Validate(VchRecord vch, bool portGiven, VchStore store, VchRecord? before = null)
    {
        if (vch.AdminPort is not int port)
            return vch;
        if (!vch.HasTcp || vch.TlsMode == TlsMode.Off)
        {
            if (portGiven)
                throw new MachineException("--admin-port: vicadmin is served over HTTPS with the VCH's certificate, which --no-tls leaves out; drop --admin-port or use --no-admin", ExitCodes.InvalidArgument);
            return vch with { AdminPort = null };
        }
        if (port is < 0 or > 65535)
            throw new MachineException($"invalid --admin-port {port}: use 1-65535, or 0 for a free one", ExitCodes.InvalidArgument);
        var address = Endpoint.ParseAddress(vch.EndpointAddress!);
        if (port != 0 && Endpoint.Overlap(address, port, address, vch.EndpointPort))
            throw new MachineException($"--admin-port {port} is the Docker endpoint's port: choose another", ExitCodes.Conflict);
        foreach (var other in store.List().Where(o => o.Name != vch.Name && o.HasTcp))
        {
            var otherAddress = Endpoint.ParseAddress(other.EndpointAddress!);
            bool clash = Endpoint.Overlap(address, port, otherAddress, other.EndpointPort)
                || (other.AdminPort is int otherAdmin && Endpoint.Overlap(address, port, otherAddress, otherAdmin));
            if (port != 0 && clash)
                throw new MachineException($"VCH {other.Name} already uses port {port} on {other.EndpointAddress}: choose another --admin-port", ExitCodes.Conflict);
        }
        if (before is { AdminPort: int held } && held == port && before.EndpointAddress == vch.EndpointAddress && port != vch.EndpointPort)
            return vch;
        try
        {
            int free = Endpoint.ProbeFree(address, port);
            // A free pick could land on the Docker endpoint's own port, which is not listening yet.
            return vch with { AdminPort = free == vch.EndpointPort ? Endpoint.ProbeFree(address, 0) : free };
        }
        catch (MachineException e) when (e.ExitCode == ExitCodes.Conflict)
        {
            throw new MachineException($"port {port} on {address} is in use: choose another with --admin-port (or --no-admin)", ExitCodes.Conflict);
        }
    }

    /// <summary>Writes a new token readable by its owner only; the file is created 0600, never widened afterwards.</summary>
    public static void WriteToken(string path)
    {
        string token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        string temp = path + ".tmp";
        File.Delete(temp); // a leftover of a crash could be wider than 0600; the create mode applies only to a new file
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(temp, options))
            file.Write(System.Text.Encoding.ASCII.GetBytes(token + "\n"));
        File.Move(temp, path, overwrite: true);
    }
}
