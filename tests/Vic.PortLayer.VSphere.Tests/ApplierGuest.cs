using Vic.Vsphere;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>
/// Plays the guest of layer-applier VMs, which the simulator cannot run: it watches the pool for applier VMs
/// (named vic-apply-*) that are powered on and powers them off, as the tether does when it has applied the tar;
/// with <see cref="FailWith"/> set it first writes guestinfo.vic.apply.error, as the tether reports a failure.
/// It never writes the layer disk: in these tests layer disks stay empty.
/// </summary>
internal sealed class ApplierGuest : IAsyncDisposable
{
    private readonly VsphereClient _client;
    private readonly ManagedObjectReference _pool;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ApplierGuest(VsphereClient client, ManagedObjectReference pool)
    {
        _client = client;
        _pool = pool;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>When set, the next appliers report this error instead of success.</summary>
    public string? FailWith { get; set; }

    /// <summary>How many applier VMs this guest has powered off.</summary>
    public int Played => Volatile.Read(ref _played);
    private int _played;

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var vms = await _client.Properties.RetrieveAsync(PropertyFilter.VmsInPool(_pool, "name", "runtime.powerState"), _stop.Token);
                foreach (var vm in vms.Where(v => v["name"]!.AsString().StartsWith("vic-apply-", StringComparison.Ordinal) && v["runtime.powerState"]!.AsString() == "poweredOn"))
                {
                    if (FailWith is { } error)
                        await _client.VirtualMachines.ReconfigureAsync(vm.Object, new VmConfigSpec { ExtraConfig = new Dictionary<string, string> { ["guestinfo.vic.apply.error"] = error } });
                    await _client.VirtualMachines.PowerOffAsync(vm.Object);
                    Interlocked.Increment(ref _played);
                }
                await Task.Delay(100, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (VsphereFault)
            {
                // The VCH destroyed the VM between our read and our power-off: look again.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
