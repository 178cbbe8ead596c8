using Vic.Tether.Protocol;
using Vic.TestSupport;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>IContainerLifecycle against the simulator: what a create makes in vSphere, and the power operations.</summary>
[Collection("vcsim")]
public sealed class LifecycleTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Create_makes_a_self_describing_vm_in_the_pool_with_a_child_disk_base_iso_serial_ports_and_nic()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var spec = SimulatedVch.Spec("web", null, "/bin/echo", "hello");

        var info = await backend.Containers.CreateAsync(spec, CancellationToken.None);

        Assert.Equal(ContainerRunState.Created, info.Status.State);
        var vms = await vch.VmsAsync();
        string vmName = $"web-{spec.Id[..12]}";
        var (vm, power) = Assert.Single(vms).Value;
        Assert.Equal(vmName, Assert.Single(vms).Key);
        Assert.Equal("poweredOff", power);

        // The tether's spec, in guestinfo, decodes to what the container runs.
        var extra = await vch.Client.VirtualMachines.GetExtraConfigAsync(vm);
        var tether = GuestInfoSpec.Decode(extra.Where(kv => kv.Value.Length > 0).ToDictionary());
        Assert.Equal(VmMode.Container, tether.Mode);
        Assert.Equal(["/bin/echo", "hello"], tether.Process!.Args);
        Assert.Equal("02:42:ac:10:00:02", Assert.Single(tether.Interfaces).Mac);
        // The VCH's record is in keys the guest cannot read.
        Assert.Contains("vic.container.chunks", extra.Keys);
        Assert.DoesNotContain(extra.Keys, k => k.StartsWith("guestinfo.vic.container", StringComparison.Ordinal));

        var content = await vch.Client.Properties.RetrieveAsync(vm, ["config.hardware.memoryMB", "config.hardware.numCPU"]);
        Assert.Equal(256, content["config.hardware.memoryMB"]!.AsInt());
        Assert.Equal(2, content["config.hardware.numCPU"]!.AsInt());

        var devices = await vch.Client.VirtualMachines.GetDevicesAsync(vm);
        var disk = Assert.Single(devices.OfType<VirtualDisk>());
        Assert.Equal($"[{vch.Datastore.Name}] {vch.RootPath}/containers/{vmName}/{vmName}.vmdk", disk.Backing.FileName);
        Assert.Equal($"[{vch.Datastore.Name}] {vch.RootPath}/images/base/base.vmdk", disk.Backing.Parent?.FileName);
        Assert.Equal($"[{vch.Datastore.Name}] {SimulatedVch.BasePath}/container-base.iso", Assert.Single(devices.OfType<VirtualCdrom>()).IsoFileName);
        var serials = devices.OfType<VirtualSerialPort>().ToList();
        Assert.Equal(2, serials.Count);
        Assert.Contains(serials, s => s.Backing is SerialFileBacking f && f.FileName == info.LogPath);
        Assert.Contains(serials, s => s.Backing is SerialUriBacking);
        var nic = Assert.Single(devices.OfType<VirtualNic>());
        Assert.Equal("VM Network", nic.NetworkName);
        Assert.Equal("02:42:ac:10:00:02", nic.MacAddress);
    }

    [Fact]
    public async Task Start_stop_remove_follow_vsphere_and_leave_nothing()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var c = backend.Containers;
        var spec = SimulatedVch.Spec("job");
        await c.CreateAsync(spec, CancellationToken.None);

        await c.StartAsync(spec.Id, CancellationToken.None);
        Assert.Equal("poweredOn", Assert.Single(await vch.VmsAsync()).Value.Power);
        Assert.Equal(ContainerRunState.Running, (await c.InspectAsync(spec.Id, CancellationToken.None)).Status.State);
        await c.StartAsync(spec.Id, CancellationToken.None); // a running container is left alone

        var removeRunning = await Assert.ThrowsAsync<ConflictException>(() => c.RemoveAsync(spec.Id, false, CancellationToken.None));
        Assert.Equal("cannot remove container \"/job\": container is running: stop the container before removing or force remove", removeRunning.Message);

        await c.StopAsync(spec.Id, null, CancellationToken.None);
        var stopped = await c.InspectAsync(spec.Id, CancellationToken.None);
        Assert.Equal(ContainerRunState.Exited, stopped.Status.State);
        Assert.Equal(137, stopped.Status.ExitCode); // powered off by the VCH, no report from the guest: killed
        Assert.Equal("poweredOff", Assert.Single(await vch.VmsAsync()).Value.Power);
        await Assert.ThrowsAsync<ConflictException>(() => c.KillAsync(spec.Id, 9, CancellationToken.None));

        await c.RemoveAsync(spec.Id, false, CancellationToken.None);
        Assert.Empty(await vch.VmsAsync());
        Assert.Empty(await vch.FilesAsync("containers"));
        var gone = await Assert.ThrowsAsync<NotFoundException>(() => c.InspectAsync(spec.Id, CancellationToken.None));
        Assert.Equal($"No such container: {spec.Id}", gone.Message);
    }

    [Fact]
    public async Task A_power_off_seen_in_vsphere_is_the_containers_exit_with_the_tethers_report()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var c = backend.Containers;
        var spec = SimulatedVch.Spec("short", null, "/bin/sh", "-c", "echo hi; exit 3");
        var info = await c.CreateAsync(spec, CancellationToken.None);
        await c.StartAsync(spec.Id, CancellationToken.None);
        var exited = c.WaitAsync(spec.Id, WaitCondition.NextExit, CancellationToken.None);

        // Playing the guest (the simulator runs none): the tether's log records, as the hypervisor would have
        // written them through the file-backed serial port, then the tether powers the VM off.
        var now = DateTimeOffset.UtcNow;
        await vch.Client.Datastores.UploadAsync(vch.Datacenter, DatastorePath.Parse(info.LogPath), new MemoryStream(
            [.. Frame(LogRecordKind.Stdout, now, "hi\n"u8.ToArray()), .. Frame(LogRecordKind.Exit, now, """{"ExitCode":3}"""u8.ToArray())]));
        await vch.Client.VirtualMachines.PowerOffAsync(Assert.Single(await vch.VmsAsync()).Value.Vm);

        var exit = await exited.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, exit.ExitCode);
        Assert.Equal(ContainerRunState.Exited, (await c.InspectAsync(spec.Id, CancellationToken.None)).Status.State);
        var output = new List<string>();
        await foreach (var chunk in backend.Interaction.ReadOutputAsync(spec.Id, new LogReadOptions(), CancellationToken.None))
            output.Add($"{chunk.Stream}:{System.Text.Encoding.UTF8.GetString(chunk.Data.Span)}");
        Assert.Equal(["Stdout:hi\n"], output);
    }

    [Fact]
    public async Task A_power_off_without_a_report_reads_as_an_unexpected_exit()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var spec = SimulatedVch.Spec("crashy");
        await backend.Containers.CreateAsync(spec, CancellationToken.None);
        await backend.Containers.StartAsync(spec.Id, CancellationToken.None);
        var exited = backend.Containers.WaitAsync(spec.Id, WaitCondition.NextExit, CancellationToken.None);

        await vch.Client.VirtualMachines.PowerOffAsync(Assert.Single(await vch.VmsAsync()).Value.Vm); // an operator, in vSphere

        var exit = await exited.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(255, exit.ExitCode);
        Assert.Equal("containerVM powered off without an exit report from the tether", exit.Error);
    }

    [Fact]
    public async Task An_on_failure_policy_powers_the_vm_on_again_until_its_retries_are_spent()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var c = backend.Containers;
        var spec = SimulatedVch.Spec("flaky") with { Restart = new ContainerRestartPolicy(RestartMode.OnFailure, 1) };
        await c.CreateAsync(spec, CancellationToken.None);
        await c.StartAsync(spec.Id, CancellationToken.None);
        var vm = Assert.Single(await vch.VmsAsync()).Value.Vm;

        // The guest powers off without a report (255, a failure): the policy powers the VM on again, one restart counted.
        var exited = c.WaitAsync(spec.Id, WaitCondition.NextExit, CancellationToken.None);
        await vch.Client.VirtualMachines.PowerOffAsync(vm);
        Assert.Equal(255, (await exited.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await c.InspectAsync(spec.Id, CancellationToken.None)).Status is not { State: ContainerRunState.Running, RestartCount: 1 })
        {
            Assert.True(DateTime.UtcNow < deadline, "the policy did not restart the container");
            await Task.Delay(100);
        }
        Assert.Equal(VmPowerState.PoweredOn, await vch.Client.VirtualMachines.GetPowerStateAsync(vm));

        // The second failure spends the one retry: it stays exited and the VM off.
        exited = c.WaitAsync(spec.Id, WaitCondition.NextExit, CancellationToken.None);
        await vch.Client.VirtualMachines.PowerOffAsync(vm);
        await exited.WaitAsync(TimeSpan.FromSeconds(30));
        var status = (await c.InspectAsync(spec.Id, CancellationToken.None)).Status;
        Assert.Equal((ContainerRunState.Exited, 1), (status.State, status.RestartCount));
        Assert.Equal(VmPowerState.PoweredOff, await vch.Client.VirtualMachines.GetPowerStateAsync(vm));

        // A start by the user counts from zero again.
        await c.StartAsync(spec.Id, CancellationToken.None);
        Assert.Equal(0, (await c.InspectAsync(spec.Id, CancellationToken.None)).Status.RestartCount);
        await c.StopAsync(spec.Id, null, CancellationToken.None);
    }

    [Fact]
    public async Task Bad_input_is_refused_with_dockerds_words_and_leaves_nothing()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var c = backend.Containers;
        var first = SimulatedVch.Spec("taken");
        await c.CreateAsync(first, CancellationToken.None);
        var before = (await vch.VmsAsync()).Keys.Order().ToList();
        var beforeFiles = await vch.FilesAsync("containers");

        var conflict = await Assert.ThrowsAsync<AlreadyExistsException>(() => c.CreateAsync(SimulatedVch.Spec("taken"), CancellationToken.None));
        Assert.Equal($"Conflict. The container name \"/taken\" is already in use by container \"{first.Id}\". You have to remove (or rename) that container to be able to reuse that name.", conflict.Message);
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => c.CreateAsync(SimulatedVch.Spec("nolayer", "sha256:" + new string('a', 64)), CancellationToken.None));
        Assert.Equal($"layer sha256:{new string('a', 64)} not found", missing.Message);
        await Assert.ThrowsAsync<InvalidArgumentException>(() => c.CreateAsync(SimulatedVch.Spec("bad name!"), CancellationToken.None));
        await Assert.ThrowsAsync<NotSupportedByBackendException>(() => c.CreateAsync(
            SimulatedVch.Spec("withvolume") with { Mounts = [new MountSpec { Kind = MountKind.Volume, Source = "v", Target = "/data" }] }, CancellationToken.None));
        await c.StartAsync(first.Id, CancellationToken.None);
        var signal = await Assert.ThrowsAsync<NotSupportedByBackendException>(() => c.KillAsync(first.Id, 15, CancellationToken.None));
        Assert.StartsWith("the vsphere backend cannot deliver signal 15", signal.Message);
        Assert.Equal(ContainerRunState.Running, (await c.InspectAsync(first.Id, CancellationToken.None)).Status.State);

        await c.StopAsync(first.Id, null, CancellationToken.None);
        Assert.Equal(before, (await vch.VmsAsync()).Keys.Order().ToList());
        Assert.Equal(beforeFiles, await vch.FilesAsync("containers"));
    }

    [Fact]
    public async Task Rename_and_update_are_written_to_the_vm()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var spec = SimulatedVch.Spec("old");
        await backend.Containers.CreateAsync(spec, CancellationToken.None);

        await backend.Containers.UpdateMetadataAsync(spec.Id, "new", new Dictionary<string, string> { ["k"] = "v" }, CancellationToken.None);
        await backend.Containers.UpdateAsync(spec.Id, new ContainerUpdate { MemoryBytes = 512L * 1024 * 1024 }, CancellationToken.None);

        var (name, (vm, _)) = Assert.Single(await vch.VmsAsync());
        Assert.Equal($"new-{spec.Id[..12]}", name);
        Assert.Equal(512, (await vch.Client.Properties.RetrieveAsync(vm, "config.hardware.memoryMB"))!.AsInt());
        var info = await backend.Containers.InspectAsync(spec.Id, CancellationToken.None);
        Assert.Equal("new", info.Spec.Name);
        Assert.Equal("v", info.Spec.Annotations["k"]);
    }

    private static byte[] Frame(LogRecordKind kind, DateTimeOffset time, byte[] payload)
    {
        var frame = new byte[LogRecord.HeaderLength + payload.Length];
        LogRecord.WriteHeader(frame, kind, payload.Length, (time - DateTimeOffset.UnixEpoch).Ticks * 100);
        payload.CopyTo(frame, LogRecord.HeaderLength);
        return frame;
    }
}
