using Vic.PortLayer;

namespace Vic.Vch.Limits;

/// <summary>
/// Checks a VCH's resource limits against what its containers hold. One lock orders every check with the
/// reservation it makes, so two concurrent creates or starts cannot both take the last unit of a limit.
/// </summary>
internal sealed class ResourceLedger(ResourceLimits limits, long defaultMemoryBytes, int defaultCpus, string datastorePath)
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, ContainerSpec> _starting = new(StringComparer.Ordinal);
    private int _creating;

    public ResourceLimits Limits => limits;

    private long MemoryOf(ContainerSpec spec) => spec.MemoryBytes > 0 ? spec.MemoryBytes : defaultMemoryBytes;
    private int CpusOf(ContainerSpec spec) => spec.Cpus > 0 ? spec.Cpus : defaultCpus;

    /// <summary>Refuses a create that breaks a limit; otherwise holds a slot until the returned handle is disposed.</summary>
    public async Task<IDisposable> ReserveCreateAsync(ContainerSpec spec, IContainerLifecycle containers, CancellationToken cancellationToken)
    {
        // A container that could never start under this VCH's limits is refused when it is created.
        if (limits.MemoryBytes is long memory && MemoryOf(spec) > memory)
            throw new InvalidArgumentException(
                $"container memory {ByteText.Format(MemoryOf(spec))} exceeds this VCH's memory limit of {ByteText.Format(memory)}");
        if (limits.Cpus is int cpus && CpusOf(spec) > cpus)
            throw new InvalidArgumentException($"container needs {CpusOf(spec)} CPUs but this VCH's CPU limit is {cpus}");
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (limits.MaxContainers is int max)
            {
                int count = (await containers.ListAsync(cancellationToken)).Count + _creating;
                if (count >= max)
                    throw new ConflictException(
                        $"this VCH's container limit is reached ({count} of {max} containers exist): remove a container or raise the limit with vic-machine configure --containers");
            }
            CheckStorage();
            _creating++;
            return new Release(() => ExitCreate());
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Refuses a start that would take running memory or CPUs over the limit; otherwise reserves them
    /// until the start has finished (after which the container counts as running).</summary>
    public async Task<IDisposable> ReserveStartAsync(string id, IContainerLifecycle containers, CancellationToken cancellationToken)
    {
        if (limits.MemoryBytes is null && limits.Cpus is null)
            return new Release(() => { });
        await _lock.WaitAsync(cancellationToken);
        try
        {
            var all = await containers.ListAsync(cancellationToken);
            var self = all.FirstOrDefault(c => c.Spec.Id == id);
            if (self is null || IsRunning(self.Status.State) || _starting.ContainsKey(id))
                return new Release(() => { }); // not found, or already running: the backend answers as it always does
            var holding = all.Where(c => c.Spec.Id != id && IsRunning(c.Status.State) && !_starting.ContainsKey(c.Spec.Id))
                .Select(c => c.Spec).Concat(_starting.Values).ToList();
            if (limits.MemoryBytes is long memory)
            {
                long used = holding.Sum(MemoryOf);
                if (used + MemoryOf(self.Spec) > memory)
                    throw new ConflictException(
                        $"cannot start container {id[..12]}: it needs {ByteText.Format(MemoryOf(self.Spec))} of memory and running containers already use {ByteText.Format(used)} of this VCH's {ByteText.Format(memory)} limit");
            }
            if (limits.Cpus is int cpus)
            {
                int used = holding.Sum(CpusOf);
                if (used + CpusOf(self.Spec) > cpus)
                    throw new ConflictException(
                        $"cannot start container {id[..12]}: it needs {CpusOf(self.Spec)} CPU(s) and running containers already use {used} of this VCH's {cpus}");
            }
            _starting[id] = self.Spec;
            return new Release(() => ExitStart(id));
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Refuses new content (a layer, a container disk) once the datastore holds the quota or more.</summary>
    public void CheckStorage()
    {
        if (limits.StorageBytes is not long quota)
            return;
        long used = DatastoreBytes();
        if (used >= quota)
            throw new ConflictException(
                $"this VCH's storage quota is used up ({ByteText.Format(used)} of {ByteText.Format(quota)}): remove images or containers, or raise the quota with vic-machine configure --storage-quota");
    }

    /// <summary>Bytes the datastore holds (file sizes; qcow2 disks grow as they are written, so their size is what they use).</summary>
    public long DatastoreBytes()
    {
        if (!Directory.Exists(datastorePath))
            return 0;
        long total = 0;
        foreach (var file in new DirectoryInfo(datastorePath).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
        {
            try
            {
                total += file.Length;
            }
            catch (IOException)
            {
                // Removed while counting.
            }
        }
        return total;
    }

    private static bool IsRunning(ContainerRunState state) => state is ContainerRunState.Running or ContainerRunState.Paused or ContainerRunState.Restarting;

    private void ExitCreate()
    {
        _lock.Wait();
        _creating--;
        _lock.Release();
    }

    private void ExitStart(string id)
    {
        _lock.Wait();
        _starting.Remove(id);
        _lock.Release();
    }

    private sealed class Release(Action action) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
                action();
        }
    }
}
