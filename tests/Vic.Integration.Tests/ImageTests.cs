namespace Vic.Integration.Tests;

[Collection("vch")]
public sealed class ImageTests(VchFixture vch)
{
    [Fact]
    public async Task Loaded_image_is_listed_inspected_tagged_and_removed()
    {
        string id = await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", "busybox");
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        Assert.Equal("linux/amd64", await vch.OkAsync("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", "busybox"));
        Assert.Contains("busybox:latest", await vch.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}}"));

        string tag = "copy-" + Guid.NewGuid().ToString("N")[..6];
        await vch.OkAsync("tag", "busybox", "mine/" + tag + ":v1");
        Assert.Equal(id, await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", "mine/" + tag + ":v1"));
        // A container made from the tag runs the same layers.
        Assert.Equal("ok", await vch.OkAsync("run", "--rm", "mine/" + tag + ":v1", "echo", "ok"));
        Assert.Contains("Untagged: mine/" + tag + ":v1", await vch.OkAsync("rmi", "mine/" + tag + ":v1"));
        Assert.Equal(id, await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", "busybox"));
    }

    [Fact]
    public async Task Image_used_by_a_container_cannot_be_removed_without_force()
    {
        string tag = "inuse-" + Guid.NewGuid().ToString("N")[..6];
        var load = await vch.DockerAsync("load", "-i", vch.BusyboxArchive);
        Assert.Equal(0, load.ExitCode);
        await vch.OkAsync("tag", "busybox", tag);
        string container = await vch.OkAsync("create", tag, "true");
        // busybox:latest and the new tag share the image: removing the only-tag reference of a used image is refused by ID.
        string id = await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", tag);
        var refused = await vch.DockerAsync("rmi", id);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("conflict", refused.Stderr);
        await vch.OkAsync("rm", container);
        await vch.OkAsync("rmi", tag);
    }

    [Fact]
    public async Task Unknown_image_inspect_is_not_found()
    {
        var result = await vch.DockerAsync("image", "inspect", "nosuchimage:latest");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("No such image: nosuchimage:latest", result.Stderr);
    }
}
