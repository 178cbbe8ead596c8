using Vic.PortLayer;

namespace Vic.Vch.Limits;

/// <summary>The backend's container lifecycle with the VCH's resource limits checked before create and start;
/// everything else passes straight through.</summary>
internal sealed class LimitedContainerLifecycle(IContainerLifecycle inner, ResourceLedger ledger) : IContainerLifecycle, IAsyncDisposable
{
    public event EventHandler<ContainerStateChanged>? StateChanged
    {
        add => inner.StateChanged += value;
        remove => inner.StateChanged -= value;
    }

    public async Task<ContainerInfo> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        using var slot = await ledger.ReserveCreateAsync(spec, inner, cancellationToken);
        return await inner.CreateAsync(spec, cancellationToken);
    }

    public async Task StartAsync(string id, CancellationToken cancellationToken)
    {
        using var slot = await ledger.ReserveStartAsync(id, inner, cancellationToken);
        await inner.StartAsync(id, cancellationToken);
    }

    public Task StopAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken) => inner.StopAsync(id, timeout, cancellationToken);
    public Task PauseAsync(string id, CancellationToken cancellationToken) => inner.PauseAsync(id, cancellationToken);

    public Task UnpauseAsync(string id, CancellationToken cancellationToken) => inner.UnpauseAsync(id, cancellationToken);

    public Task KillAsync(string id, int signal, CancellationToken cancellationToken) => inner.KillAsync(id, signal, cancellationToken);
    public Task<ContainerExit> WaitAsync(string id, WaitCondition condition, CancellationToken cancellationToken) => inner.WaitAsync(id, condition, cancellationToken);
    public Task RemoveAsync(string id, bool force, CancellationToken cancellationToken) => inner.RemoveAsync(id, force, cancellationToken);
    public Task<ContainerInfo> InspectAsync(string id, CancellationToken cancellationToken) => inner.InspectAsync(id, cancellationToken);
    public Task<IReadOnlyList<ContainerInfo>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    public Task<ContainerInfo> UpdateMetadataAsync(string id, string name, IReadOnlyDictionary<string, string> annotations, CancellationToken cancellationToken) =>
        inner.UpdateMetadataAsync(id, name, annotations, cancellationToken);

    /// <summary>Resizes are checked against the limits at the next start, like any stopped container's size.</summary>
    public Task<ContainerInfo> UpdateAsync(string id, ContainerUpdate update, CancellationToken cancellationToken) =>
        inner.UpdateAsync(id, update, cancellationToken);

    public ValueTask DisposeAsync() => inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;
}
