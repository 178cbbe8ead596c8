using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>
/// One real local VCH for a test collection: created with vic-machine in a private root, serving on a unix socket,
/// with a busybox image (built from Debian's busybox-static) loaded through the docker CLI. Deleted with --force at the end.
/// </summary>
public sealed class VchFixture : IAsyncLifetime
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "vic-it-" + Guid.NewGuid().ToString("N")[..8]);
    public string Name { get; } = "it";
    public string DockerHost { get; private set; } = "";
    public string Directory => Path.Combine(Root, Name);
    public string DatastorePath => Path.Combine(Directory, "datastore");
    public string GuestKernelRelease { get; private set; } = "";
    public string BusyboxArchive => Path.Combine(Root, "busybox.tar");

    public async Task InitializeAsync()
    {
        RepoPaths.RequireBuilt();
        System.IO.Directory.CreateDirectory(Root);
        GuestKernelRelease = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.ContainerBase, "kernel-release"))).Trim();
        var created = await MachineAsync("create", "--name", Name, "--format", "json");
        Assert.True(created.ExitCode == 0, "vic-machine create failed: " + created);
        string json = created.Stdout[created.Stdout.IndexOf('{')..];
        DockerHost = JsonDocument.Parse(json).RootElement.GetProperty("DockerHost").GetString()!;

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
