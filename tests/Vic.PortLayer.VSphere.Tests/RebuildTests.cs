using Vic.TestSupport;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>A VCH restart rebuilds its containers from the VMs in its pool and their extraConfig (DESIGN rule 2).</summary>
[Collection("vcsim")]
public sealed class RebuildTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task A_new_backend_finds_every_container_and_settles_runs_that_ended_while_it_was_away()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var first = await vch.StartBackendAsync();
        var idle = SimulatedVch.Spec("idle");
        var running = SimulatedVch.Spec("running");
        var ended = SimulatedVch.Spec("ended");
        foreach (var spec in new[] { idle, running, ended })
            await first.Containers.CreateAsync(spec, CancellationToken.None);
        await first.Containers.UpdateMetadataAsync(idle.Id, "idle", new Dictionary<string, string> { ["docker.config"] = "{}" }, CancellationToken.None);
        await first.Containers.StartAsync(running.Id, CancellationToken.None);
        await first.Containers.StartAsync(ended.Id, CancellationToken.None);
        await ((IAsyncDisposable)first.Containers).DisposeAsync(); // the VCH stops; its containerVMs do not

        Assert.Equal(2, (await vch.VmsAsync()).Values.Count(v => v.Power == "poweredOn"));
        await vch.Client.VirtualMachines.PowerOffAsync((await vch.VmsAsync())[$"ended-{ended.Id[..12]}"].Vm);

        var second = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)second.Containers;
        var all = await second.Containers.ListAsync(CancellationToken.None);
        Assert.Equal(["ended", "idle", "running"], all.Select(c => c.Spec.Name).Order());
        Assert.Equal("{}", all.Single(c => c.Spec.Name == "idle").Spec.Annotations["docker.config"]);
        Assert.Equal(ContainerRunState.Created, all.Single(c => c.Spec.Name == "idle").Status.State);
        Assert.Equal(ContainerRunState.Running, all.Single(c => c.Spec.Name == "running").Status.State);
        var settled = all.Single(c => c.Spec.Name == "ended").Status;
        Assert.Equal(ContainerRunState.Exited, settled.State);
        Assert.Equal(255, settled.ExitCode);

        // The rebuilt view is live: a stop through it powers the VM off.
        await second.Containers.StopAsync(running.Id, null, CancellationToken.None);
        Assert.Equal("poweredOff", (await vch.VmsAsync())[$"running-{running.Id[..12]}"].Power);
    }
}
