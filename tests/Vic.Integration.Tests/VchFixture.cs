using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>
/// One real local VCH for a test collection: created with vic-machine in a private root, serving on a unix socket
/// and with mutual TLS on a free loopback port, with a busybox image (built from Debian's busybox-static) loaded
/// through the docker CLI. Deleted with --force at the end. <see cref="DockerAsync"/> uses the unix socket;
/// <see cref="TlsEnvironment"/> is the env file vic-machine wrote for TCP clients.
/// </summary>
public sealed class VchFixture : IAsyncLifetime
{
    private readonly string[] _extraCreateArgs;

    public VchFixture() : this([])
    {
    }

    /// <summary>A VCH created with further vic-machine create options (xunit wants one public constructor).</summary>
    internal VchFixture(string[] extraCreateArgs) => _extraCreateArgs = extraCreateArgs;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vic-it-" + Guid.NewGuid().ToString("N")[..8]);
    public string Name { get; } = "it";
    public string DockerHost { get; private set; } = "";
    /// <summary>tcp://127.0.0.1:port, as the env file names it.</summary>
    public string TcpHost { get; private set; } = "";
    /// <summary>The env file's variables (DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH).</summary>
    public IReadOnlyDictionary<string, string> TlsEnvironment { get; private set; } = new Dictionary<string, string>();
    public string Directory => Path.Combine(Root, Name);
    public string DatastorePath => Path.Combine(Directory, "datastore");
    public string GuestKernelRelease { get; private set; } = "";
    public string BusyboxArchive => Path.Combine(Root, "busybox.tar");
    /// <summary>vicadmin's URL and token file, as vic-machine create printed them.</summary>
    public string AdminUrl { get; private set; } = "";
    public string AdminTokenFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        RepoPaths.RequireBuilt();
        System.IO.Directory.CreateDirectory(Root);
        GuestKernelRelease = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.ContainerBase, "kernel-release"))).Trim();
        // Port 0: a free port, since other VCHs (and other test runs) may hold 2376 and 2378 on this host.
        var created = await MachineAsync(["create", "--name", Name, "--format", "json", "--endpoint-port", "0", "--admin-port", "0", .. _extraCreateArgs]);
        Assert.True(created.ExitCode == 0, "vic-machine create failed: " + created);
        var json = JsonDocument.Parse(created.Stdout).RootElement;
        DockerHost = json.GetProperty("UnixSocket").GetString()!;
        TcpHost = json.GetProperty("DockerHost").GetString()!;
        TlsEnvironment = ReadEnvFile(json.GetProperty("EnvFile").GetString()!);
        AdminUrl = json.TryGetProperty("AdminUrl", out var admin) ? admin.GetString() ?? "" : "";
        AdminTokenFile = json.TryGetProperty("AdminTokenFile", out var token) ? token.GetString() ?? "" : "";

        var image = await Shell.RunAsync("bash", [Path.Combine(RepoPaths.Scripts, "make-busybox-image.sh"), BusyboxArchive, "busybox:latest"]);
        Assert.True(image.ExitCode == 0, image.ToString());
        var load = await DockerAsync("load", "-i", BusyboxArchive);
        Assert.True(load.ExitCode == 0, "docker load failed: " + load);
    }

    public async Task DisposeAsync()
    {
        await MachineAsync("delete", "--name", Name, "--force");
        try
        {
            System.IO.Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task<CommandResult> DockerAsync(params string[] args) => DockerWithInputAsync(null, args);

    /// <summary>The docker CLI over TCP with exactly <paramref name="env"/> (DOCKER_HOST and TLS variables) set.</summary>
    public Task<CommandResult> DockerOverTcpAsync(IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var full = new Dictionary<string, string>(env) { ["DOCKER_CONFIG"] = Path.Combine(Root, ".docker") };
        foreach (string name in new[] { "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_TLS" })
            full.TryAdd(name, ""); // unset what the caller did not set: empty counts as unset for the CLI
        return Shell.RunAsync("docker", args, full);
    }

    private static Dictionary<string, string> ReadEnvFile(string path) =>
        File.ReadAllLines(path).Where(l => l.Contains('=')).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..]);

    public Task<CommandResult> DockerWithInputAsync(string? stdin, params string[] args) =>
        Shell.RunAsync("docker", args, new Dictionary<string, string> { ["DOCKER_HOST"] = DockerHost, ["DOCKER_CONFIG"] = Path.Combine(Root, ".docker") }, stdin);

    public Task<CommandResult> MachineAsync(params string[] args) =>
        Shell.RunAsync(RepoPaths.Machine, args, new Dictionary<string, string> { ["VIC_HOME"] = Root }, timeout: TimeSpan.FromSeconds(180));

    /// <summary>docker ... that must succeed; returns trimmed stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var result = await DockerAsync(args);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', args)} failed: {result}");
        return result.Stdout.Trim();
    }

    /// <summary>Entries of the datastore's containers directory (one per container).</summary>
    public IReadOnlyList<string> ContainerDirectories()
    {
        string dir = Path.Combine(DatastorePath, "containers");
        return System.IO.Directory.Exists(dir) ? System.IO.Directory.GetFileSystemEntries(dir).Select(p => Path.GetFileName(p)).ToList() : [];
    }
}

[CollectionDefinition("vch")]
public sealed class VchCollection : ICollectionFixture<VchFixture>;
