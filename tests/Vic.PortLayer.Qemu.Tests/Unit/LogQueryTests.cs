using System.Text;
using Vic.PortLayer;
using Vic.PortLayer.Qemu.Logs;
using Vic.PortLayer.Qemu.Tests.Support;
using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class LogQueryTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _temp = new();
    private readonly string _log;

    public LogQueryTests() => _log = _temp.Combine("output.log");

    public void Dispose() => _temp.Dispose();

    private static RunSnapshot Stopped => new(false, 1, false);

    private async Task<List<OutputChunk>> ReadAllAsync(LogReadOptions options, Func<RunSnapshot>? state = null, CancellationToken ct = default)
    {
        var chunks = new List<OutputChunk>();
        await foreach (OutputChunk c in LogQuery.ReadAsync(_log, state ?? (() => Stopped), options, TimeSpan.FromMilliseconds(10), TimeProvider.System, ct))
            chunks.Add(c);
        return chunks;
    }

    private static string Text(IEnumerable<OutputChunk> chunks) => string.Concat(chunks.Select(c => Encoding.UTF8.GetString(c.Data.Span)));

    private void WriteSample() => LogFileWriter.Append(_log,
        LogFileWriter.Frame(LogRecordKind.Started, T0, "{\"Pid\":7}"u8.ToArray()),
        LogFileWriter.Text(LogRecordKind.Stdout, T0.AddSeconds(1), "a1\na2\n"),
        LogFileWriter.Text(LogRecordKind.Stderr, T0.AddSeconds(2), "e1\n"),
        LogFileWriter.Text(LogRecordKind.Tether, T0.AddSeconds(2), "diagnostic"),
        LogFileWriter.Text(LogRecordKind.Stdout, T0.AddSeconds(3), "a3\npartial"),
        LogFileWriter.Exit(T0.AddSeconds(4), 3));

    [Fact]
    public async Task ReadsOnlyOutputRecordsSplitByStream()
    {
        WriteSample();
        List<OutputChunk> all = await ReadAllAsync(new LogReadOptions());
        Assert.Equal("a1\na2\ne1\na3\npartial", Text(all));
        Assert.Equal("e1\n", Text(all.Where(c => c.Stream == OutputStream.Stderr)));
        Assert.Equal(T0.AddSeconds(2), all.Single(c => c.Stream == OutputStream.Stderr).Timestamp);

        Assert.Equal("a1\na2\na3\npartial", Text(await ReadAllAsync(new LogReadOptions { Stderr = false })));
        Assert.Equal("e1\n", Text(await ReadAllAsync(new LogReadOptions { Stdout = false })));
    }

    [Fact]
    public async Task TailCountsLinesAcrossChunks()
    {
        WriteSample();
        List<OutputChunk> last3 = await ReadAllAsync(new LogReadOptions { Tail = 3 });
        Assert.Equal(["e1\n", "a3\n", "partial"], last3.Select(c => Encoding.UTF8.GetString(c.Data.Span)));
        Assert.Empty(await ReadAllAsync(new LogReadOptions { Tail = 0 }));
        Assert.Equal("a1\na2\ne1\na3\npartial", Text(await ReadAllAsync(new LogReadOptions { Tail = 100 })));
        Assert.Equal(["a3\n", "partial"], (await ReadAllAsync(new LogReadOptions { Tail = 2, Stderr = false })).Select(c => Encoding.UTF8.GetString(c.Data.Span)));
    }

    [Fact]
    public async Task SinceAndUntilFilterByRecordTime()
    {
        WriteSample();
        Assert.Equal("e1\na3\npartial", Text(await ReadAllAsync(new LogReadOptions { Since = T0.AddSeconds(2) })));
        Assert.Equal("a1\na2\ne1\n", Text(await ReadAllAsync(new LogReadOptions { Until = T0.AddSeconds(2) })));
        Assert.Equal("e1\n", Text(await ReadAllAsync(new LogReadOptions { Since = T0.AddSeconds(1.5), Until = T0.AddSeconds(2.5) })));
    }

    [Fact]
    public async Task MissingLogIsEmpty()
    {
        Assert.Empty(await ReadAllAsync(new LogReadOptions()));
        Assert.Empty(await ReadAllAsync(new LogReadOptions { Follow = true }));
    }

    [Fact]
    public async Task FromNowSkipsExistingOutput()
    {
        WriteSample();
        Assert.Empty(await ReadAllAsync(new LogReadOptions { FromNow = true }));
    }

    [Fact]
    public async Task FollowOnStoppedContainerEndsAfterExistingOutput()
    {
        WriteSample();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        Assert.Equal("a1\na2\ne1\na3\npartial", Text(await ReadAllAsync(new LogReadOptions { Follow = true }, ct: cts.Token)));
    }

    [Fact]
    public async Task FollowPicksUpGrowthAndEndsWhenTheRunEnds()
    {
        LogFileWriter.Append(_log, LogFileWriter.Text(LogRecordKind.Stdout, T0, "first\n"));
        bool running = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        Task reader = Task.Run(async () =>
        {
            await foreach (OutputChunk c in LogQuery.ReadAsync(_log, () => new RunSnapshot(Volatile.Read(ref running), 1, false),
                new LogReadOptions { Follow = true }, TimeSpan.FromMilliseconds(10), TimeProvider.System, cts.Token))
            {
                lock (seen)
                    seen.Add(Encoding.UTF8.GetString(c.Data.Span));
            }
        });
        await WaitUntil(() => { lock (seen) return seen.Count == 1; });

        // Half a frame first: the reader must wait for the rest rather than misparse it.
        byte[] frame = LogFileWriter.Text(LogRecordKind.Stderr, T0.AddSeconds(1), "second\n");
        LogFileWriter.Append(_log, frame[..5]);
        await Task.Delay(50);
        LogFileWriter.Append(_log, frame[5..], LogFileWriter.Exit(T0.AddSeconds(2), 0));
        await WaitUntil(() => { lock (seen) return seen.Count == 2; });
        Assert.False(reader.IsCompleted, "follow must continue while the container runs");

        Volatile.Write(ref running, false);
        await reader.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["first\n", "second\n"], seen);
    }

    [Fact]
    public async Task WaitForRunFollowsTheNextRunOnly()
    {
        LogFileWriter.Append(_log, LogFileWriter.Text(LogRecordKind.Stdout, T0, "old run\n"), LogFileWriter.Exit(T0, 0));
        var state = new RunSnapshot(false, 1, false);
        int samples = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var seen = new List<string>();
        Task reader = Task.Run(async () =>
        {
            await foreach (OutputChunk c in LogQuery.ReadAsync(_log, () => { Interlocked.Increment(ref samples); return state; },
                new LogReadOptions { Follow = true, WaitForRun = true, FromNow = true },
                TimeSpan.FromMilliseconds(10), TimeProvider.System, cts.Token))
            {
                lock (seen)
                    seen.Add(Encoding.UTF8.GetString(c.Data.Span));
            }
        });
        await WaitUntil(() => Volatile.Read(ref samples) >= 3); // the reader is past its start, waiting
        Assert.False(reader.IsCompleted, "must wait for the container to start");

        state = new RunSnapshot(true, 2, false);
        LogFileWriter.Append(_log, LogFileWriter.Text(LogRecordKind.Stdout, T0.AddSeconds(5), "new run\n"));
        await WaitUntil(() => { lock (seen) return seen.Count == 1; });
        LogFileWriter.Append(_log, LogFileWriter.Exit(T0.AddSeconds(6), 0));
        state = new RunSnapshot(false, 2, false);
        await reader.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["new run\n"], seen);
    }

    [Fact]
    public async Task FollowEndsWhenTheContainerIsRemoved()
    {
        var state = new RunSnapshot(true, 1, false);
        Task<List<OutputChunk>> reader = ReadAllAsync(new LogReadOptions { Follow = true }, () => state);
        await Task.Delay(50);
        state = new RunSnapshot(true, 1, true);
        List<OutputChunk> chunks = await reader.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(chunks);
    }

    [Fact]
    public async Task CorruptTailStopsReadingWithoutThrowing()
    {
        LogFileWriter.Append(_log, LogFileWriter.Text(LogRecordKind.Stdout, T0, "good\n"), [0xEE, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x41]);
        Assert.Equal("good\n", Text(await ReadAllAsync(new LogReadOptions())));
    }

    [Fact]
    public async Task StreamsALargeLogAndTailsIt()
    {
        var frames = Enumerable.Range(0, 20000).Select(i => LogFileWriter.Text(LogRecordKind.Stdout, T0.AddMilliseconds(i), $"line {i}\n")).ToArray();
        LogFileWriter.Append(_log, frames);
        List<OutputChunk> tail = await ReadAllAsync(new LogReadOptions { Tail = 2 });
        Assert.Equal(["line 19998\n", "line 19999\n"], tail.Select(c => Encoding.UTF8.GetString(c.Data.Span)));
        Assert.Equal(20000, (await ReadAllAsync(new LogReadOptions())).Count);
    }

    internal static async Task WaitUntil(Func<bool> condition, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("condition not met in time");
            await Task.Delay(10);
        }
    }
}
