using System.Runtime.CompilerServices;
using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

// IContainerInteraction of the fake: output from the in-memory log, stdin into a list.
internal sealed partial class FakeBackend
{
    public async IAsyncEnumerable<OutputChunk> ReadOutputAsync(string id, LogReadOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var c = Get(id);
        int position;
        int run;
        bool waitForRun;
        // Runs synchronously inside the first MoveNextAsync: the starting point is fixed before any await.
        lock (c)
        {
            position = options.FromNow ? c.Output.Count : 0;
            waitForRun = options.Follow && options.WaitForRun && c.State != ContainerRunState.Running;
            run = waitForRun ? c.Runs + 1 : c.Runs;
            if (options.Tail is int tail)
            {
                var matching = Enumerable.Range(position, c.Output.Count - position).Where(i => Wanted(c.Output[i].Chunk, options)).ToList();
                if (matching.Count > tail)
                    position = tail == 0 ? c.Output.Count : matching[^tail];
            }
        }
        while (true)
        {
            List<OutputChunk> batch;
            Task changed;
            bool done;
            lock (c)
            {
                batch = c.Output.Skip(position).Where(o => Wanted(o.Chunk, options)).Select(o => o.Chunk).ToList();
                position = c.Output.Count;
                bool runStarted = c.Runs >= run;
                bool running = c.State == ContainerRunState.Running && !c.Removed;
                done = !options.Follow || c.Removed || (runStarted && !running);
                if (waitForRun && !runStarted)
                    done = c.Removed;
                changed = c.Changed.Task;
            }
            foreach (var chunk in batch)
                yield return chunk;
            if (done)
                yield break;
            await changed.WaitAsync(cancellationToken);
        }
    }

    private static bool Wanted(OutputChunk chunk, LogReadOptions options) =>
        (chunk.Stream == OutputStream.Stdout ? options.Stdout : options.Stderr)
        && (options.Since is null || chunk.Timestamp >= options.Since)
        && (options.Until is null || chunk.Timestamp <= options.Until);

    public Task WriteStdinAsync(string id, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
        {
            if (c.State != ContainerRunState.Running || !c.Info.Spec.Process.OpenStdin)
                throw new ConflictException($"Container {id} is not running");
            c.Stdin.Add(data.ToArray());
            c.Notify();
        }
        return Task.CompletedTask;
    }

    public Task CloseStdinAsync(string id, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
        {
            c.StdinClosed = true;
            c.Notify();
        }
        return Task.CompletedTask;
    }

    public Task ResizeAsync(string id, ushort rows, ushort columns, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
        {
            if (c.State != ContainerRunState.Running)
                throw new ConflictException($"Container {id} is not running");
            c.Size = (rows, columns);
        }
        return Task.CompletedTask;
    }
}
