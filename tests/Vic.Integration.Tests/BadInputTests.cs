namespace Vic.Integration.Tests;

/// <summary>Bad input gets dockerd's error and changes nothing: no container record, no disk, no VM.</summary>
[Collection("vch")]
public sealed class BadInputTests(VchFixture vch)
{
    private async Task AssertNothingChangedAsync(Func<Task> action)
    {
        string before = await vch.OkAsync("ps", "-aq", "--no-trunc");
        var dirsBefore = vch.ContainerDirectories().Order().ToList();
        await action();
        Assert.Equal(before, await vch.OkAsync("ps", "-aq", "--no-trunc"));
        Assert.Equal(dirsBefore, vch.ContainerDirectories().Order().ToList());
    }

    [Fact]
    public Task Unknown_image_is_refused() => AssertNothingChangedAsync(async () =>
    {
        var result = await vch.DockerAsync("run", "--pull", "never", "no-such-image:1.0", "true");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains("No such image: no-such-image:1.0", result.Stderr);
    });

    [Fact]
    public async Task Name_conflict_gets_dockerds_message()
    {
        string name = "dup-" + Guid.NewGuid().ToString("N")[..6];
        string id = await vch.OkAsync("create", "--name", name, "busybox", "true");
        await AssertNothingChangedAsync(async () =>
        {
            var second = await vch.DockerAsync("create", "--name", name, "busybox", "true");
            Assert.Equal(1, second.ExitCode); // docker create reports daemon errors with 1; only docker run uses 125
            Assert.Contains($"Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.", second.Stderr);
        });
        await vch.OkAsync("rm", name);
    }

    [Fact]
    public Task Invalid_name_is_refused() => AssertNothingChangedAsync(async () =>
    {
        var result = await vch.DockerAsync("create", "--name", "bad/name!", "busybox", "true");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Invalid container name (bad/name!), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", result.Stderr);
    });

    [Fact]
    public Task Memory_below_the_minimum_is_refused() => AssertNothingChangedAsync(async () =>
    {
        var result = await vch.DockerAsync("run", "-m", "1m", "busybox", "true");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains("Minimum memory limit allowed is 6MB", result.Stderr);
    });

    [Fact]
    public Task More_cpus_than_the_host_has_are_refused() => AssertNothingChangedAsync(async () =>
    {
        int host = Environment.ProcessorCount;
        var result = await vch.DockerAsync("run", "--cpus", (host + 1).ToString(), "busybox", "true");
        Assert.Equal(125, result.ExitCode);
        Assert.Contains($"Range of CPUs is from 0.01 to {host}.00, as there are only {host} CPUs available", result.Stderr);
    });

    [Fact]
    public async Task Unknown_user_is_a_clear_error()
    {
        var result = await vch.DockerAsync("run", "--rm", "-u", "nosuchuser", "busybox", "true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("unable to find user nosuchuser: no matching entries in passwd file", result.Stderr);
    }

    [Fact]
    public Task Nonexistent_container_is_not_found() => AssertNothingChangedAsync(async () =>
    {
        foreach (string[] args in new[] { new[] { "logs", "nosuch" }, ["container", "inspect", "nosuch"], ["rm", "nosuch"], ["stop", "nosuch"], ["start", "nosuch"], ["kill", "nosuch"] })
        {
            var result = await vch.DockerAsync(args);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("No such container: nosuch", result.Stderr + result.Stdout);
        }
    });

    [Fact]
    public async Task Killing_a_stopped_container_is_refused()
    {
        string id = await vch.OkAsync("create", "busybox", "true");
        var result = await vch.DockerAsync("kill", id);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("is not running", result.Stderr);
        await vch.OkAsync("rm", id);
    }
}
