using System.Collections.Concurrent;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// Follows runtime.powerState of every VM in the VCH's pool through the property collector's WaitForUpdatesEx,
/// and hands each report to whoever registered for that VM: the container lifecycle (a power-off seen in vSphere is
/// the container's exit) or a waiting layer applier. One watch for the whole pool, however many VMs.
/// </summary>
internal sealed class PowerWatcher(VSphereContext context) : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);
    private readonly ConcurrentDictionary<ManagedObjectReference, Func<VmPowerState, Task>> _handlers = new();
    private readonly ConcurrentDictionary<ManagedObjectReference, VmPowerState> _last = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    /// <summary>Handlers run one at a time, in the order vSphere reported the changes.</summary>
    public void Register(ManagedObjectReference vm, Func<VmPowerState, Task> handler) => _handlers[vm] = handler;

    public void Unregister(ManagedObjectReference vm)
    {
        _handlers.TryRemove(vm, out _);
        _last.TryRemove(vm, out _);
    }

    /// <summary>The last power state reported for <paramref name="vm"/>, if any.</summary>
    public VmPowerState? LastState(ManagedObjectReference vm) => _last.TryGetValue(vm, out var state) ? state : null;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var filter = new PropertyFilter(
            [new PropertySelection("VirtualMachine", ["runtime.powerState"])],
            [new ObjectSelection(context.Placement.Pool, Skip: true, Traversal: Traversals.PoolTree)]);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var update in context.Client.Properties.WatchAsync(filter, cancellationToken))
                {
                    if (update.Kind == ObjectUpdateKind.Leave || update["runtime.powerState"] is not { } value)
                        continue;
                    var state = Vic.Vsphere.VirtualMachines.ParsePowerState(value.AsString());
                    _last[update.Object] = state;
                    if (_handlers.TryGetValue(update.Object, out var handler))
                        await RunHandlerAsync(update.Object, handler, state);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The session or the network failed: report it and watch again (the first update re-reports every VM).
                Log.WatchFailed(context.Logger, e.Message);
                try
                {
                    await Task.Delay(RetryDelay, context.Time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunHandlerAsync(ManagedObjectReference vm, Func<VmPowerState, Task> handler, VmPowerState state)
    {
        try
        {
            await handler(state);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.PowerHandlerFailed(context.Logger, vm.Value, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
