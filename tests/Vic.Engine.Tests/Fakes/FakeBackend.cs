using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>
/// An in-memory port layer for the personality's unit tests ONLY (DESIGN rule 1 allows it there): nothing runs,
/// a container's "process" is a tiny script chosen by argv[0] (echo, cat, sleep, fail N, both, nosuch*).
/// It keeps the port-layer contracts the engine relies on: WaitAsync registers before it returns, and
/// ReadOutputAsync fixes its starting point on the first MoveNextAsync (FromNow / WaitForRun).
/// </summary>
internal sealed partial class FakeBackend : IContainerLifecycle, IContainerInteraction, IContainerExec, IHostInfo
{
    private readonly ConcurrentDictionary<string, FakeContainer> _containers = new(StringComparer.Ordinal);

    public event EventHandler<ContainerStateChanged>? StateChanged;

    public FakeFabric Fabric { get; } = new();

    public FakeFiles Files { get; } = new();

    /// <summary>Volumes, when a test gives the backend some (otherwise the port layer's "not supported" store).</summary>
    public IVolumeStore? Volumes { get; set; }

    public PortLayerServices Services => new(this, this, this, new FakeLayers(), new FakeMetadata(), this, Fabric, this)
    {
        Nics = this,
        Files = Files,
        Volumes = Volumes ?? UnsupportedVolumeStore.Instance,
    };

    public FakeContainer Get(string id) =>
        _containers.TryGetValue(id, out var c) && !c.Removed ? c : throw new NotFoundException("No such container: " + id);

    public IReadOnlyCollection<FakeContainer> All => _containers.Values.Where(c => !c.Removed).ToList();

    public Task<HostFacts> GetFactsAsync(CancellationToken cancellationToken) => Task.FromResult(new HostFacts
    {
        Backend = "fake",
        Accelerator = "none",
        GuestKernelVersion = "6.1.0-fake",
        Cpus = 4,
        MemoryBytes = 8L << 30,
        DatastorePath = "/fake/datastore",
    });

    public Task<ContainerInfo> CreateAsync(ContainerSpec spec, CancellationToken cancellationToken)
    {
        lock (_containers)
        {
            if (All.Any(c => c.Info.Spec.Name == spec.Name || c.Info.Spec.Id == spec.Id))
                throw new AlreadyExistsException($"container name {spec.Name} is taken");
            var info = new ContainerInfo
            {
                Spec = spec,
                Status = new ContainerStatus { State = ContainerRunState.Created },
                Created = DateTimeOffset.UtcNow,
                LogPath = $"/fake/datastore/{spec.Id}/output.log",
                Location = $"/fake/datastore/{spec.Id}",
                DiskBytes = 4096,
            };
            _containers[spec.Id] = new FakeContainer(info);
            Raise(spec.Id, ContainerRunState.Created, 0);
            return Task.FromResult(info);
        }
    }

    /// <summary>Adds a container in a given state directly (as if found on the datastore after a VCH restart).</summary>
    public void Seed(ContainerInfo info) => _containers[info.Spec.Id] = new FakeContainer(info);

    public Task<ContainerInfo> InspectAsync(string id, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
            return Task.FromResult(c.Info);
    }

    public Task<IReadOnlyList<ContainerInfo>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>(All.Select(c => { lock (c) return c.Info; }).ToList());

    public Task<ContainerInfo> UpdateMetadataAsync(string id, string name, IReadOnlyDictionary<string, string> annotations, CancellationToken cancellationToken)
    {
        var c = Get(id);
        if (All.Any(o => o != c && o.Info.Spec.Name == name))
            throw new AlreadyExistsException($"name {name} is taken");
        lock (c)
        {
            c.Info = c.Info with { Spec = c.Info.Spec with { Name = name, Annotations = annotations } };
            return Task.FromResult(c.Info);
        }
    }

    public async Task RemoveAsync(string id, bool force, CancellationToken cancellationToken)
    {
        var c = Get(id);
        if (c.State == ContainerRunState.Running)
        {
            if (!force)
                throw new ConflictException("container is running");
            await KillAsync(id, 9, cancellationToken);
        }
        lock (c)
        {
            c.Removed = true;
            foreach (var (condition, waiter) in c.Waiters.Where(w => w.Condition == WaitCondition.Removed).ToList())
                waiter.TrySetResult(new ContainerExit(c.Info.Status.ExitCode, ""));
            c.Waiters.Clear();
            c.Notify();
        }
        Raise(id, ContainerRunState.Removing, 0);
    }

    public Task<ContainerExit> WaitAsync(string id, WaitCondition condition, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
        {
            if (condition == WaitCondition.NotRunning && c.State != ContainerRunState.Running)
                return Task.FromResult(new ContainerExit(c.Info.Status.ExitCode, c.Info.Status.Error));
            var waiter = new TaskCompletionSource<ContainerExit>(TaskCreationOptions.RunContinuationsAsynchronously);
            c.Waiters.Add((condition, waiter));
            return waiter.Task.WaitAsync(cancellationToken);
        }
    }

    private void Raise(string id, ContainerRunState state, int exitCode) =>
        StateChanged?.Invoke(this, new ContainerStateChanged(id, state, exitCode, DateTimeOffset.UtcNow));

    internal static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
}
