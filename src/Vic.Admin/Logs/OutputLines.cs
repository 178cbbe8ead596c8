using System.Runtime.CompilerServices;
using System.Text;
using Vic.PortLayer;

namespace Vic.Admin.Logs;

/// <summary>A container's persisted output (the records <c>docker logs</c> reads, through the port layer's interaction
/// API) as lines: chunks are split at '\n' per stream, and a last unterminated piece is given at the end.</summary>
internal static class OutputLines
{
    public static async IAsyncEnumerable<LogLine> ReadAsync(IContainerInteraction interaction, string id, int tail, bool follow,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pending = new Dictionary<OutputStream, StringBuilder> { [OutputStream.Stdout] = new(), [OutputStream.Stderr] = new() };
        var options = new LogReadOptions { Tail = tail, Follow = follow };
        await foreach (var chunk in interaction.ReadOutputAsync(id, options, cancellationToken))
        {
            var buffer = pending[chunk.Stream].Append(Encoding.UTF8.GetString(chunk.Data.Span));
            string text = buffer.ToString();
            int lastNewline = text.LastIndexOf('\n');
            if (lastNewline < 0)
                continue;
            buffer.Clear().Append(text[(lastNewline + 1)..]);
            foreach (string line in text[..lastNewline].Split('\n'))
                yield return new LogLine(line.TrimEnd('\r'), chunk.Stream == OutputStream.Stderr);
        }
        foreach (var (stream, rest) in pending)
            if (rest.Length > 0)
                yield return new LogLine(rest.ToString(), stream == OutputStream.Stderr);
    }
}
