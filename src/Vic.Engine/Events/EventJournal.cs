using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.Engine.Models;

namespace Vic.Engine.Events;

/// <summary>
/// The VCH's recent events, for <c>docker events --since/--until</c>: the newest <see cref="Limit"/> kept in memory
/// and, when a path is given, in a JSON-lines file beside the datastore (the same JSON the API sends), so a daemon that
/// restarts, however it ended, still answers for what happened before. dockerd keeps such a ring in memory only; a VCH
/// outlives its daemon (DESIGN rule 2), so its history does too.
/// Each event is appended and fsynced before <see cref="Append"/> returns, and the broker publishes only after that:
/// an event a client saw is on disk even if the daemon is killed the next instant. The file grows to twice the limit,
/// then is rewritten with the newest <see cref="Limit"/> (a new file renamed over the old one, so a crash leaves one or
/// the other, both holding the newest events). A torn last line (the daemon killed mid-write) or a damaged line is
/// skipped when loading, never a reason not to start. Not thread-safe: the broker's loop is the one writer and
/// serializes readers with it.
/// </summary>
internal sealed partial class EventJournal : IDisposable
{
    private readonly Queue<EventMessage> _recent = new();
    private readonly string? _path;
    private readonly ILogger _log;
    private FileStream? _file;
    private int _linesInFile;

    public EventJournal(string? path, int limit, ILogger<EventJournal> log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _path = path;
        _log = log;
        Limit = limit;
        if (path is not null)
            Open(path);
    }

    /// <summary>How many events are kept.</summary>
    public int Limit { get; }

    /// <summary>The kept events, oldest first.</summary>
    public IReadOnlyList<EventMessage> All => _recent.ToList();

    /// <summary>
    /// Records <paramref name="message"/>: durable on disk (when journaled) before this returns. A write that fails is
    /// logged and the event still kept in memory: the live stream must not stop because the disk did.
    /// </summary>
    public void Append(EventMessage message)
    {
        Remember(message);
        if (_file is null)
            return;
        try
        {
            _file.Write(Line(message));
            _file.Flush(flushToDisk: true);
            if (++_linesInFile >= 2 * Limit)
                Compact();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_log, _path!, e.Message);
        }
    }

    /// <summary>
    /// dockerd's buffered events for a subscription: none unless a since or until is given; else those at or after
    /// <paramref name="since"/> (nanoseconds since the epoch) and at or before <paramref name="until"/>, oldest first.
    /// </summary>
    public IReadOnlyList<EventMessage> Between(long? since, long? until)
    {
        if (since is null && until is null)
            return [];
        return _recent.Where(e => e.TimeNano >= (since ?? 0) && (until is not long end || e.TimeNano <= end)).ToList();
    }

    public void Dispose() => _file?.Dispose();

    private void Remember(EventMessage message)
    {
        _recent.Enqueue(message);
        while (_recent.Count > Limit)
            _recent.Dequeue();
    }

    private void Open(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        int lines = 0, skipped = 0;
        bool torn = false;
        try
        {
            (lines, skipped, torn) = Load(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogLoadFailed(_log, path, e.Message);
            skipped++;
        }
        if (skipped > 0 || torn)
            LogSkipped(_log, path, skipped, torn);
        _linesInFile = lines;
        // A file that ends mid-line would glue the next event onto the torn one: start it afresh from what was read.
        if (skipped > 0 || torn || lines > Limit)
            Compact();
        else
            _file = OpenForAppend(path);
    }

    private (int Lines, int Skipped, bool Torn) Load(string path)
    {
        if (!File.Exists(path))
            return (0, 0, false);
        byte[] content = File.ReadAllBytes(path);
        int lines = 0, skipped = 0, start = 0;
        while (start < content.Length)
        {
            int newline = Array.IndexOf(content, (byte)'\n', start);
            if (newline < 0)
                return (lines, skipped, true); // the daemon died writing this one; it was never published
            var line = content.AsSpan(start, newline - start);
            start = newline + 1;
            if (line.IsEmpty)
                continue;
            lines++;
            if (Parse(line) is { } message)
                Remember(message);
            else
                skipped++;
        }
        return (lines, skipped, false);
    }

    private static EventMessage? Parse(ReadOnlySpan<byte> line)
    {
        try
        {
            return JsonSerializer.Deserialize(line, EngineJson.Default.EventMessage);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Rewrites the file with the events in memory (the newest <see cref="Limit"/>): written and fsynced under a
    /// temporary name, then renamed over the journal, so a crash at any point leaves a whole file with the newest events.</summary>
    private void Compact()
    {
        string path = _path!;
        _file?.Dispose();
        _file = null;
        string temp = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                foreach (var message in _recent)
                    stream.Write(Line(message));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
            _linesInFile = _recent.Count;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_log, path, e.Message);
        }
        try
        {
            _file = OpenForAppend(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogWriteFailed(_log, path, e.Message);
        }
    }

    private static FileStream OpenForAppend(string path) =>
        new(path, FileMode.Append, FileAccess.Write, FileShare.Read);

    private static byte[] Line(EventMessage message)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(message, EngineJson.Default.EventMessage);
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        return line;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event history {Path}: skipped {Skipped} damaged line(s), torn last line: {Torn}; the rest is kept")]
    private static partial void LogSkipped(ILogger logger, string path, int skipped, bool torn);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event history {Path} could not be read ({Error}); starting with an empty history")]
    private static partial void LogLoadFailed(ILogger logger, string path, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Event history {Path} could not be written ({Error}); the event is published but may not survive a restart")]
    private static partial void LogWriteFailed(ILogger logger, string path, string error);
}
