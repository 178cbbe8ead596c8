using System.Runtime.CompilerServices;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.VSphere.Containers;

/// <summary>
/// <see cref="IContainerInteraction"/> on vSphere: a container's output is what its file-backed serial port wrote to
/// output.log beside the VM (the hypervisor writes it, even while the VCH is down), read through the datastore's
/// /folder endpoint. Live input and terminal size need the interaction channel, which this backend does not
/// implement yet: those calls are refused, naming the backend.
/// </summary>
internal sealed class ContainerOutput(VSphereContext context, ContainerTable table) : IContainerInteraction
{
    public async IAsyncEnumerable<OutputChunk> ReadOutputAsync(string id, LogReadOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var entry = table.Get(id);
        long seen = 0;
        bool first = true;
        while (true)
        {
            // Capture before reading, so an exit that lands during the read still ends a follow after one more read.
            var exited = entry.NextExit;
            bool running = entry.IsRunning;
            byte[] log = await Faults.GuardAsync($"reading the log of {id}", () => context.DownloadOrNullAsync(entry.LogPath, cancellationToken)) ?? [];
            var records = LogFrames.Parse(log).ToList();
            var chunks = new List<OutputChunk>();
            long index = 0;
            foreach (var record in records)
            {
                if (index++ < seen || record.Kind is not (LogRecordKind.Stdout or LogRecordKind.Stderr))
                    continue;
                var stream = record.Kind == LogRecordKind.Stdout ? OutputStream.Stdout : OutputStream.Stderr;
                if ((stream == OutputStream.Stdout && !options.Stdout) || (stream == OutputStream.Stderr && !options.Stderr))
                    continue;
                if ((options.Since is { } since && record.Timestamp < since) || (options.Until is { } until && record.Timestamp > until))
                    continue;
                chunks.Add(new OutputChunk(stream, record.Timestamp, record.Payload));
            }
            seen = records.Count;
            if (!(first && options.FromNow))
            {
                IEnumerable<OutputChunk> shown = first && options.Tail is int tail ? chunks.TakeLast(Math.Max(0, tail)) : chunks;
                foreach (var chunk in shown)
                    yield return chunk;
            }
            first = false;
            if (!options.Follow || (!running && !options.WaitForRun))
                yield break;
            if (!running)
            {
                throw new NotSupportedByBackendException("the vsphere backend cannot attach to a container before it starts yet: the interaction channel is not implemented");
            }
            if (exited.IsCompleted)
                yield break;
            await Task.WhenAny(exited, Task.Delay(context.Options.LogPollInterval, context.Time, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    public Task WriteStdinAsync(string id, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => throw NoChannel(id, "write to stdin");

    public Task CloseStdinAsync(string id, CancellationToken cancellationToken) => throw NoChannel(id, "close stdin");

    public Task ResizeAsync(string id, ushort rows, ushort columns, CancellationToken cancellationToken) => throw NoChannel(id, "resize the terminal");

    private NotSupportedByBackendException NoChannel(string id, string what)
    {
        table.Get(id);
        return new NotSupportedByBackendException($"the vsphere backend cannot {what} yet: the containerVM's interaction channel is not implemented");
    }
}
