using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Vic.Integration.Tests;

/// <summary>A typed client (Docker.DotNet) against the VCH: its models must parse what the VCH returns.</summary>
[Collection("vch")]
public sealed class TypedClientTests(VchFixture vch)
{
    [Fact]
    public async Task Create_start_wait_logs_inspect_remove()
    {
        using var client = new DockerClientConfiguration(new Uri(vch.DockerHost)).CreateClient();
        var version = await client.System.GetVersionAsync();
        Assert.Equal("1.44", version.APIVersion);

        var created = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = "busybox",
            Cmd = ["sh", "-c", "echo typed-out; echo typed-err >&2; exit 5"],
            Labels = new Dictionary<string, string> { ["client"] = "docker.dotnet" },
        });
        Assert.Matches("^[0-9a-f]{64}$", created.ID);

        Assert.True(await client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters()));
        var waited = await client.Containers.WaitContainerAsync(created.ID);
        Assert.Equal(5, waited.StatusCode);

        var inspect = await client.Containers.InspectContainerAsync(created.ID);
        Assert.Equal("exited", inspect.State.Status);
        Assert.Equal(5, inspect.State.ExitCode);
        Assert.StartsWith("/", inspect.Name);
        Assert.Equal("docker.dotnet", inspect.Config.Labels["client"]);

        using var logs = await client.Containers.GetContainerLogsAsync(created.ID, tty: false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true });
        var (stdout, stderr) = await logs.ReadOutputToEndAsync(CancellationToken.None);
        Assert.Equal("typed-out\n", stdout);
        Assert.Equal("typed-err\n", stderr);

        var listed = await client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { ["client=docker.dotnet"] = true } },
        });
        Assert.Contains(listed, c => c.ID == created.ID && c.State == "exited");

        await client.Containers.RemoveContainerAsync(created.ID, new ContainerRemoveParameters());
        await Assert.ThrowsAsync<DockerContainerNotFoundException>(() => client.Containers.InspectContainerAsync(created.ID));
    }
}
