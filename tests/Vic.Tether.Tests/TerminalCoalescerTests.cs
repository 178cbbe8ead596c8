using System.Text;

namespace Vic.Tether.Tests;

/// <summary>A terminal's pieces of a line are sent as one write, as a client of dockerd sees them.</summary>
public sealed class TerminalCoalescerTests
{
    /// <summary>Reads from a queue of pieces; "ready" is whether a piece is queued (what poll would say).</summary>
    private sealed class Pieces(params string[] pieces)
    {
        private readonly Queue<byte[]> _queue = new(pieces.Select(Encoding.ASCII.GetBytes));
        public int Waits { get; private set; }

        public bool MoreSoon()
        {
            Waits++;
            return _queue.Count > 0;
        }

        public Func<int, int, int> ReadInto(byte[] buffer) => (offset, count) =>
        {
            byte[] piece = _queue.Dequeue();
            int n = Math.Min(count, piece.Length);
            piece.AsSpan(0, n).CopyTo(buffer.AsSpan(offset));
            return n;
        };
    }

    private static (string Text, int Waits) Gather(string first, int capacity, params string[] more)
    {
        var buffer = new byte[capacity];
        int filled = Encoding.ASCII.GetBytes(first, buffer);
        var pieces = new Pieces(more);
        int length = TerminalCoalescer.Gather(buffer, filled, pieces.MoreSoon, pieces.ReadInto(buffer));
        return (Encoding.ASCII.GetString(buffer, 0, length), pieces.Waits);
    }

    [Fact]
    public void A_line_split_before_its_line_end_is_sent_whole() =>
        Assert.Equal(("hello out\r\n", 1), Gather("hello out", 64, "\r\n", "hello err\r\n"));

    [Fact]
    public void A_whole_line_goes_at_once_without_waiting() =>
        Assert.Equal(("hello out\r\n", 0), Gather("hello out\r\n", 64, "more"));

    [Fact]
    public void A_prompt_goes_once_nothing_more_comes() =>
        Assert.Equal(("/ # ", 1), Gather("/ # ", 64));

    [Fact]
    public void Pieces_keep_gathering_until_a_line_ends() =>
        Assert.Equal(("a b c\r\n", 3), Gather("a", 64, " b", " c", "\r\n", "next"));

    [Fact]
    public void A_full_buffer_is_sent_as_it_is() =>
        Assert.Equal(("abcd", 1), Gather("ab", 4, "cdef"));

    [Fact]
    public void The_end_of_the_stream_ends_the_gathering()
    {
        var buffer = new byte[16];
        int filled = Encoding.ASCII.GetBytes("bye", buffer);
        Assert.Equal(3, TerminalCoalescer.Gather(buffer, filled, () => true, (_, _) => -1));
    }
}
