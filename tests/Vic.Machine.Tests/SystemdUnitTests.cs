using System.Diagnostics;

namespace Vic.Machine.Tests;

public sealed class SystemdUnitTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private VchRecord Record(string daemon) => new()
    {
        Name = "prod",
        Created = DateTimeOffset.UnixEpoch,
        Directory = _temp.File("vic/prod"),
        DatastorePath = _temp.File("vic/prod/datastore"),
        SocketPath = _temp.File("vic/prod/docker.sock"),
        ContainerBasePath = _temp.File("base 100%"),
        DaemonPath = daemon,
        EndpointAddress = "127.0.0.1",
        EndpointPort = 2376,
        CertPath = _temp.File("vic/prod/certs"),
        MaxContainers = 3,
    };

    [Fact]
    public void Unit_runs_the_daemon_in_the_foreground_and_never_kills_its_containers()
    {
        var vch = Record("/usr/bin/true");
        string unit = SystemdUnit.Render(vch);
        string[] lines = unit.Split('\n');
        Assert.Contains("[Service]", lines);
        Assert.Contains("Type=simple", lines);
        Assert.Contains("KillMode=process", lines);
        Assert.Contains("Restart=on-failure", lines);
        Assert.Contains("WantedBy=multi-user.target", lines);
        Assert.Contains($"StandardOutput=append:{vch.LogFile}", lines);
        string exec = lines.Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
        Assert.StartsWith("ExecStart=/usr/bin/true --name prod ", exec);
        Assert.Contains("--tcp 127.0.0.1:2376 --tls-cert " + vch.Certificates!.ServerCertFile, exec);
        Assert.Contains("--tls-client-ca " + vch.Certificates.ClientCaBundleFile, exec);
        Assert.Contains("--max-containers 3", exec);
        // A path with a space is quoted and systemd's '%' specifier escaped.
        Assert.Contains($"--container-base \"{_temp.File("base 100%%")}\"", exec);
    }

    [Fact]
    public void Systemd_analyze_verify_accepts_the_unit()
    {
        if (!File.Exists("/usr/bin/systemd-analyze"))
            throw new InvalidOperationException("systemd-analyze is missing: install systemd (scripts/install-prereqs.sh)");
        var vch = Record("/usr/bin/true");
        string path = SystemdUnit.Write(vch, _temp.File("units"));
        Assert.Equal("vic-vch-prod.service", Path.GetFileName(path));
        var start = new ProcessStartInfo("/usr/bin/systemd-analyze", ["verify", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "systemd-analyze verify: " + output);
        // verify reports unit problems as messages even when it exits 0; only its note on the absent boot manager may appear.
        Assert.DoesNotContain(path, output);
    }
}
