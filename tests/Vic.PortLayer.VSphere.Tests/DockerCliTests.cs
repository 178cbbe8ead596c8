namespace Vic.PortLayer.VSphere.Tests;

/// <summary>The docker CLI against a vic-vch whose backend is the simulator.</summary>
public sealed class DockerCliTests(VchOnSimulator vch) : IClassFixture<VchOnSimulator>
{
    [Fact]
    public async Task Create_start_ps_inspect_stop_rm_of_a_container_vm()
    {
        string id = await vch.OkAsync("create", "--name", "cli1", "busybox", "sleep", "1000");
        var vms = await vch.Vch.VmsAsync();
        Assert.Equal("poweredOff", vms[$"cli1-{id[..12]}"].Power);

        await vch.OkAsync("start", "cli1");
        Assert.Equal("poweredOn", (await vch.Vch.VmsAsync())[$"cli1-{id[..12]}"].Power);
        Assert.Contains("cli1", await vch.OkAsync("ps", "--format", "{{.Names}}"));
        Assert.Equal("running sleep,1000", await vch.OkAsync("inspect", "--format", "{{.State.Status}} {{join .Config.Cmd \",\"}}", "cli1"));
        Assert.StartsWith($"[{vch.Vch.Datastore.Name}] vch-images/{vch.Vch.Name}/containers/cli1-{id[..12]}/output.log",
            await vch.OkAsync("inspect", "--format", "{{.LogPath}}", "cli1"));

        await vch.OkAsync("stop", "cli1");
        Assert.Equal("exited 137", await vch.OkAsync("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", "cli1"));
        Assert.Equal("poweredOff", (await vch.Vch.VmsAsync())[$"cli1-{id[..12]}"].Power);
        Assert.DoesNotContain("cli1", await vch.OkAsync("ps", "--format", "{{.Names}}"));
        Assert.Contains("cli1", await vch.OkAsync("ps", "-a", "--format", "{{.Names}}"));

        await vch.OkAsync("rm", "cli1");
        Assert.DoesNotContain($"cli1-{id[..12]}", (await vch.Vch.VmsAsync()).Keys);
        Assert.DoesNotContain($"cli1-{id[..12]}", await vch.Vch.FilesAsync("containers"));
    }

    [Fact]
    public async Task Bad_input_gets_dockerds_errors_and_changes_nothing_in_vsphere()
    {
        await vch.OkAsync("create", "--name", "held", "busybox", "sleep", "1000");
        await vch.OkAsync("start", "held");
        var vmsBefore = (await vch.Vch.VmsAsync()).Keys.Order().ToList();
        var filesBefore = await vch.Vch.FilesAsync("containers");
        var imagesBefore = await vch.Vch.FilesAsync("images");

        var unknown = await vch.DockerAsync("create", "--pull", "never", "--name", "x1", "nosuchimage:1");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("No such image: nosuchimage:1", unknown.Stderr);

        var conflict = await vch.DockerAsync("create", "--name", "held", "busybox");
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Conflict. The container name \"/held\" is already in use by container", conflict.Stderr);

        var running = await vch.DockerAsync("rm", "held");
        Assert.NotEqual(0, running.ExitCode);
        Assert.Contains("cannot remove container \"/held\": container is running: stop the container before removing or force remove", running.Stderr);

        Assert.Equal(vmsBefore, (await vch.Vch.VmsAsync()).Keys.Order().ToList());
        Assert.Equal(filesBefore, await vch.Vch.FilesAsync("containers"));
        Assert.Equal(imagesBefore, await vch.Vch.FilesAsync("images"));
        await vch.OkAsync("rm", "-f", "held");
        Assert.Equal(filesBefore.Count - 1, (await vch.Vch.FilesAsync("containers")).Count);
    }

    [Fact]
    public async Task Docker_info_names_the_vsphere_backend_and_images_are_layer_disks()
    {
        string info = await vch.OkAsync("info", "--format", "{{.KernelVersion}} {{.NCPU}}");
        Assert.StartsWith("6.1.0-test-amd64 ", info);
        Assert.NotEqual("0", info.Split(' ')[1]);
        string layer = (await vch.OkAsync("inspect", "--format", "{{index .RootFS.Layers 0}}", "busybox"))["sha256:".Length..];
        // A one-layer image: its chain ID is its diff ID, and that names the layer's folder of disks.
        Assert.Contains(layer, await vch.Vch.FilesAsync("images"));
        Assert.Contains("layer.vmdk", await vch.Vch.FilesAsync("images/" + layer));
    }
}
