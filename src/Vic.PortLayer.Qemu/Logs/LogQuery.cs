using System.Runtime.CompilerServices;
using Vic.PortLayer;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Logs;

/// <summary>What a log reader needs to know about the container's runs, sampled before each read.</summary>
/// <param name="Running">QEMU is up for the current run.</param>
/// <param name="Generation">Incremented at every start, so a reader can tell "this run ended" from "another began".</param>
/// <param name="Removed">The container is gone; followers end.</param>
internal readonly record struct RunSnapshot(bool Running, int Generation, bool Removed);

/// <summary>
/// Turns output.log into the chunks <see cref="IContainerInteraction.ReadOutputAsync"/> promises: filtered by
/// stream and time, optionally only the last N lines, optionally following new output until the run ends.
/// The file is streamed; a tail keeps only N lines in memory.
/// </summary>
internal static class LogQuery
{
    public static async IAsyncEnumerable<OutputChunk> ReadAsync(string logPath, Func<RunSnapshot> state, LogReadOptions options,
        TimeSpan pollInterval, TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RunSnapshot initial = state();
        long startOffset = options.FromNow ? CurrentLength(logPath) : 0;
        bool waitingForRun = options.Follow && options.WaitForRun && !initial.Running && !initial.Removed;
        int generation = initial.Generation;

        LogFileReader? reader = LogFileReader.Open(logPath, startOffset);
        try
        {
            // What exists now: all of it, or the last N lines of it.
            if (reader is not null)
            {
                if (options.Tail is int tail && tail >= 0)
                {
                    foreach (OutputChunk line in await TailAsync(reader, options, tail, cancellationToken))
                        yield return line;
                }
                else
                {
                    while (await reader.ReadNextAsync(cancellationToken) is { } record)
                    {
                        if (IsPastUntil(record, options))
                            yield break;
                        if (Accept(record, options))
                            yield return ToChunk(record);
                    }
                }
            }
            if (!options.Follow)
                yield break;

            // Follow: the state is sampled before reading, so "not running" plus "nothing new" means the run's
            // last bytes have been read (QEMU writes the log before it exits).
            while (true)
            {
                RunSnapshot now = state();
                reader ??= LogFileReader.Open(logPath, startOffset);
                bool readAny = false;
                if (reader is not null)
                {
                    while (await reader.ReadNextAsync(cancellationToken) is { } record)
                    {
                        readAny = true;
                        if (IsPastUntil(record, options))
                            yield break;
                        if (Accept(record, options))
                            yield return ToChunk(record);
                    }
                }
                if (readAny)
                    continue;
                if (now.Removed)
                    yield break;
                if (waitingForRun)
                {
                    if (now.Generation != generation)
                    {
                        waitingForRun = false;
                        generation = now.Generation;
                        continue;
                    }
                }
                else if (!now.Running || now.Generation != generation)
                {
                    yield break;
                }
                await Task.Delay(pollInterval, time, cancellationToken);
            }
        }
        finally
        {
            reader?.Dispose();
        }
    }

    /// <summary>Reads to the current end keeping the last <paramref name="tail"/> lines ('\n'-terminated pieces of chunks).</summary>
    private static async Task<IReadOnlyCollection<OutputChunk>> TailAsync(LogFileReader reader, LogReadOptions options, int tail,
        CancellationToken cancellationToken)
    {
        var ring = new Queue<OutputChunk>(Math.Min(tail, 1024));
        if (tail == 0)
        {
            // Skip history but leave the reader at the end for a follow.
            while (await reader.ReadNextAsync(cancellationToken) is not null) { }
            return ring;
        }
        while (await reader.ReadNextAsync(cancellationToken) is { } record)
        {
            if (!Accept(record, options) || IsPastUntil(record, options))
                continue;
            foreach (OutputChunk line in SplitLines(ToChunk(record)))
            {
                if (ring.Count == tail)
                    ring.Dequeue();
                ring.Enqueue(line);
            }
        }
        return ring;
    }

    internal static IEnumerable<OutputChunk> SplitLines(OutputChunk chunk)
    {
        ReadOnlyMemory<byte> rest = chunk.Data;
        while (rest.Length > 0)
        {
            int nl = rest.Span.IndexOf((byte)'\n');
            int take = nl < 0 ? rest.Length : nl + 1;
            yield return chunk with { Data = rest[..take] };
            rest = rest[take..];
        }
    }

    private static bool Accept(LogRecord record, LogReadOptions options)
    {
        bool wanted = record.Kind switch
        {
            LogRecordKind.Stdout => options.Stdout,
            LogRecordKind.Stderr => options.Stderr,
            _ => false,
        };
        if (!wanted)
            return false;
        return options.Since is not { } since || record.Timestamp >= since;
    }

    private static bool IsPastUntil(LogRecord record, LogReadOptions options) =>
        options.Until is { } until && record.Kind is LogRecordKind.Stdout or LogRecordKind.Stderr && record.Timestamp > until;

    private static OutputChunk ToChunk(LogRecord record) =>
        new(record.Kind == LogRecordKind.Stderr ? OutputStream.Stderr : OutputStream.Stdout, record.Timestamp, record.Payload);

    private static long CurrentLength(string path)
    {
        try
        {
            return new FileInfo(path).Exists ? new FileInfo(path).Length : 0;
        }
        catch (IOException) { return 0; }
    }
}
