using Vic.TestSupport;

namespace Vic.Integration.Tests;

/// <summary>docker pull from Debian's docker-registry on loopback (plain HTTP, as dockerd allows for loopback).</summary>
[Collection("vch")]
public sealed class PullTests(VchFixture vch)
{
    [Fact]
    public async Task Pull_single_and_multi_layer_images_and_run_them()
    {
        using var registry = new TestRegistry();
        string work = Path.Combine(vch.Root, "images-" + Guid.NewGuid().ToString("N")[..6]);
        await registry.PushAsync(TestImages.BuildBusybox(Path.Combine(work, "single")), "test/busybox", "1.0");
        await registry.PushAsync(TestImages.BuildMultiLayer(Path.Combine(work, "multi")), "test/multi", "1.0");

        var pull = await vch.DockerAsync("pull", registry.HostPort + "/test/busybox:1.0");
        Assert.True(pull.ExitCode == 0, pull.ToString());
        // Another test of this collection may have pulled the same (deterministic) busybox layer already.
        Assert.Matches("Pull complete|Already exists", pull.Stdout);
        Assert.Contains("Digest: sha256:", pull.Stdout);
        Assert.Contains("Downloaded newer image for " + registry.HostPort + "/test/busybox:1.0", pull.Stdout);

        // The multi-layer image shares its base layer with the first: only the new layer is fetched and applied.
        var multi = await vch.DockerAsync("pull", registry.HostPort + "/test/multi:1.0");
        Assert.True(multi.ExitCode == 0, multi.ToString());
        Assert.Contains("Already exists", multi.Stdout);

        // The second layer's file, hard link and whiteout were applied inside a VM onto a child disk.
        string output = await vch.OkAsync("run", "--rm", registry.HostPort + "/test/multi:1.0", "sh", "-c",
            $"cat /{TestImages.AddedFile}; stat -c %h /{TestImages.AddedHardLink}; test -e /{TestImages.WhitedOutFile} && echo present || echo whited-out");
        Assert.Equal(TestImages.AddedFileContent.Trim() + "\n2\nwhited-out", output);
        // The base image is untouched by its child layer.
        Assert.Equal("present", await vch.OkAsync("run", "--rm", registry.HostPort + "/test/busybox:1.0", "sh", "-c",
            $"test -e /{TestImages.WhitedOutFile} && echo present"));

        var again = await vch.DockerAsync("pull", registry.HostPort + "/test/busybox:1.0");
        Assert.Contains("Image is up to date", again.Stdout);

        var missing = await vch.DockerAsync("pull", registry.HostPort + "/test/busybox:nosuchtag");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("not found", missing.Stderr);
    }

    [Fact]
    public async Task Pull_all_tags_pulls_every_tag_of_the_repository()
    {
        using var registry = new TestRegistry();
        string work = Path.Combine(vch.Root, "alltags-" + Guid.NewGuid().ToString("N")[..6]);
        await registry.PushAsync(TestImages.BuildBusybox(Path.Combine(work, "single")), "every/app", "1.0");
        await registry.PushAsync(TestImages.BuildMultiLayer(Path.Combine(work, "multi")), "every/app", "2.0");
        string repo = registry.HostPort + "/every/app";

        var pull = await vch.DockerAsync("pull", "--all-tags", repo);

        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Contains("1.0: Pulling from every/app", pull.Stdout);
        Assert.Contains("2.0: Pulling from every/app", pull.Stdout);
        Assert.Equal(2, pull.Stdout.Split('\n').Count(l => l.StartsWith("Digest: sha256:", StringComparison.Ordinal)));
        var lines = pull.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("Status: Downloaded newer image for " + repo, lines[^2]);
        Assert.Equal(repo, lines[^1]); // what the CLI prints last: the name it pulled
        string tags = await vch.OkAsync("images", "--format", "{{.Tag}}", repo);
        Assert.Equal(["1.0", "2.0"], tags.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        var again = await vch.DockerAsync("pull", "-a", repo);
        Assert.Contains("Status: Image is up to date for " + repo, again.Stdout);

        // The CLI refuses a tag with --all-tags before asking the daemon.
        var tagged = await vch.DockerAsync("pull", "--all-tags", repo + ":1.0");
        Assert.NotEqual(0, tagged.ExitCode);
        Assert.Contains("tag can't be used with --all-tags/-a", tagged.Stderr);
    }

    [Fact]
    public async Task Run_pulls_a_missing_image_from_a_loopback_registry()
    {
        using var registry = new TestRegistry();
        await registry.PushAsync(TestImages.BuildBusybox(Path.Combine(vch.Root, "auto-" + Guid.NewGuid().ToString("N")[..6])), "auto/busybox", "v1");
        var run = await vch.DockerAsync("run", "--rm", registry.HostPort + "/auto/busybox:v1", "echo", "pulled and ran");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("pulled and ran", run.Stdout.Trim());
        Assert.Contains("Unable to find image", run.Stderr);
    }
}
