using System.Runtime.CompilerServices;
using System.Text;

namespace Vic.Admin.Logs;

/// <summary>The last lines of a text file the daemon appends to (its own log), then, when following, each line
/// as it is written. A file that shrinks (rotated or truncated) is read again from its start.</summary>
internal static class FileTail
{
    /// <summary>How far back from the end the tail looks; a log line longer than this is cut.</summary>
    private const int TailWindowBytes = 1 << 20;

    public static async IAsyncEnumerable<LogLine> ReadAsync(string path, int tail, bool follow, TimeSpan pollInterval, TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long position = 0;
        var pending = new StringBuilder();
        if (File.Exists(path))
        {
            var (lines, end) = await LastLinesAsync(path, tail, cancellationToken);
            foreach (string line in lines)
                yield return new LogLine(line);
            position = end;
        }
        while (follow)
        {
            await Task.Delay(pollInterval, time, cancellationToken);
            if (!File.Exists(path))
                continue;
            long length = new FileInfo(path).Length;
            if (length < position)
            {
                position = 0;
                pending.Clear();
            }
            if (length == position)
                continue;
            string text;
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                stream.Seek(position, SeekOrigin.Begin);
                var buffer = new byte[length - position];
                await stream.ReadExactlyAsync(buffer, cancellationToken);
                position = length;
                text = Encoding.UTF8.GetString(buffer);
            }
            pending.Append(text);
            string all = pending.ToString();
            int lastNewline = all.LastIndexOf('\n');
            if (lastNewline < 0)
                continue;
            pending.Clear().Append(all[(lastNewline + 1)..]);
            foreach (string line in all[..lastNewline].Split('\n'))
                yield return new LogLine(line.TrimEnd('\r'));
        }
    }

    /// <summary>The last <paramref name="count"/> complete lines and the offset just after them (a partial last line is
    /// left for the follow to pick up whole).</summary>
    internal static async Task<(IReadOnlyList<string> Lines, long End)> LastLinesAsync(string path, int count, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = stream.Length;
        long start = Math.Max(0, length - TailWindowBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[length - start];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        int lastNewline = Array.LastIndexOf(buffer, (byte)'\n');
        if (lastNewline < 0)
            return ([], start);
        string text = Encoding.UTF8.GetString(buffer, 0, lastNewline);
        var lines = text.Split('\n');
        // When the window starts mid-file its first piece is a fragment of a longer line: drop it.
        var whole = start > 0 ? lines.Skip(1) : lines;
        return (whole.TakeLast(Math.Max(0, count)).Select(l => l.TrimEnd('\r')).ToList(), start + lastNewline + 1);
    }
}
