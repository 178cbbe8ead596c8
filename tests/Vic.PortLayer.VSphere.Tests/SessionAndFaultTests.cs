using Vic.TestSupport;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>Sessions that expire under the backend, and vSphere's faults surfacing as clear port-layer errors.</summary>
[Collection("vcsim")]
public sealed class SessionAndFaultTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task The_backend_logs_in_again_after_its_session_expired()
    {
        using var expiring = VcenterSimulator.Start("-session-timeout", "2s");
        await using var vch = await SimulatedVch.CreateAsync(expiring);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var spec = SimulatedVch.Spec("patient");
        await backend.Containers.CreateAsync(spec, CancellationToken.None);

        await Task.Delay(TimeSpan.FromSeconds(4)); // idle past the timeout: the simulator ends the session

        await backend.Containers.StartAsync(spec.Id, CancellationToken.None);
        Assert.Equal("poweredOn", Assert.Single(await vch.VmsAsync()).Value.Power);
        await backend.Containers.StopAsync(spec.Id, null, CancellationToken.None);
        Assert.Equal(137, (await backend.Containers.InspectAsync(spec.Id, CancellationToken.None)).Status.ExitCode);
    }

    [Fact]
    public async Task A_refused_login_is_unavailable_naming_vsphere()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var refused = await Assert.ThrowsAsync<UnavailableException>(() => vch.StartBackendAsync(vch.Options(password: "wrong")));
        Assert.StartsWith($"vsphere: connecting to {simulator.Url}: vSphere refused the credentials: ", refused.Message);
    }

    [Fact]
    public async Task Missing_inventory_is_named()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var noPool = await Assert.ThrowsAsync<UnavailableException>(() => vch.StartBackendAsync(vch.Options() with { ResourcePool = "/DC0/host/DC0_C0/Resources/nope" }));
        Assert.Equal("vsphere: resolving the VCH's inventory: resource pool /DC0/host/DC0_C0/Resources/nope not found", noPool.Message);
        var noBase = await Assert.ThrowsAsync<UnavailableException>(() => vch.StartBackendAsync(vch.Options() with { ContainerBase = $"[{vch.Datastore.Name}] nowhere" }));
        Assert.Contains($"container base [{vch.Datastore.Name}] nowhere/container-base.iso not found", noBase.Message);
    }

    [Fact]
    public async Task A_fault_from_vsphere_reaches_the_caller_with_its_type_and_message()
    {
        await using var vch = await SimulatedVch.CreateAsync(simulator);
        var backend = await vch.StartBackendAsync();
        await using var _ = (IAsyncDisposable)backend.Containers;
        var spec = SimulatedVch.Spec("vanishing");
        await backend.Containers.CreateAsync(spec, CancellationToken.None);
        var vm = Assert.Single(await vch.VmsAsync()).Value.Vm;
        await vch.Client.VirtualMachines.DestroyAsync(vm); // behind the VCH's back

        var fault = await Assert.ThrowsAsync<InternalException>(() => backend.Containers.StartAsync(spec.Id, CancellationToken.None));

        Assert.StartsWith($"vsphere: updating containerVM {vm.Value}: ManagedObjectNotFound", fault.Message);
        Assert.IsAssignableFrom<VsphereFault>(fault.InnerException);
        Assert.Equal(ContainerRunState.Created, (await backend.Containers.InspectAsync(spec.Id, CancellationToken.None)).Status.State);
    }
}
