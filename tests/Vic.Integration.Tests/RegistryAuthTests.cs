using Vic.TestSupport;

namespace Vic.Integration.Tests;

/// <summary>
/// docker login, logout, push and pull with the real docker CLI against the VCH and Debian's docker-registry with
/// htpasswd basic auth on loopback.
/// </summary>
[Collection("vch")]
public sealed class RegistryAuthTests(VchFixture vch)
{
    [Fact]
    public async Task Login_push_to_two_repositories_pull_back_and_logout()
    {
        using var registry = TestRegistry.WithHtpasswd(new Dictionary<string, string> { ["alice"] = "wonderland" });
        string first = $"{registry.HostPort}/team/busybox:v1";
        string second = $"{registry.HostPort}/copy/busybox:v1";

        var bad = await vch.DockerWithInputAsync("nope", "login", registry.HostPort, "-u", "alice", "--password-stdin");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains($"login attempt to http://{registry.HostPort}/v2/ failed with status: 401 Unauthorized", bad.Stderr);

        var login = await vch.DockerWithInputAsync("wonderland", "login", registry.HostPort, "-u", "alice", "--password-stdin");
        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Contains("Login Succeeded", login.Stdout);

        await vch.OkAsync("tag", "busybox:latest", first);
        await vch.OkAsync("tag", "busybox:latest", second);
        var push = await vch.DockerAsync("push", first);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains($"The push refers to repository [{registry.HostPort}/team/busybox]", push.Stdout);
        Assert.Contains("Pushed", push.Stdout);
        string digest = DigestOf(push.Stdout);

        // The second repository on the same registry gets the layer by a cross-repository mount, and the same manifest.
        var copy = await vch.DockerAsync("push", second);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        Assert.Contains("Mounted from team/busybox", copy.Stdout);
        Assert.DoesNotContain("Pushed", copy.Stdout);
        Assert.Equal(digest, DigestOf(copy.Stdout));

        await vch.OkAsync("rmi", first, second);
        var pull = await vch.DockerAsync("pull", first);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains($"Digest: {digest}", pull.Stdout);
        Assert.Equal("pushed and pulled", await vch.OkAsync("run", "--rm", first, "echo", "pushed and pulled"));

        var logout = await vch.DockerAsync("logout", registry.HostPort);
        Assert.True(logout.ExitCode == 0, logout.ToString());
        var denied = await vch.DockerAsync("pull", second);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("no basic auth credentials", denied.Stderr);
        var missing = await vch.DockerAsync("push", $"{registry.HostPort}/never/tagged:v1");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"An image does not exist locally with the tag: {registry.HostPort}/never/tagged", missing.Stderr);
        await vch.OkAsync("rmi", first);
    }

    /// <summary>The digest in the push's last line: "v1: digest: sha256:... size: N".</summary>
    private static string DigestOf(string pushOutput)
    {
        string line = pushOutput.Split('\n').Last(l => l.Contains(": digest: ", StringComparison.Ordinal));
        return line.Split(' ')[2];
    }
}
