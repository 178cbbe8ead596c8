using Vic.PortLayer;

namespace Vic.Engine.Hijack;

/// <summary>
/// Detach key sequences ("ctrl-p,ctrl-q" by default). Typing the sequence on an attached TTY ends the attach
/// without stopping the container; a partial match is held back and released if the sequence breaks.
/// </summary>
internal sealed class DetachKeys
{
    public const string Default = "ctrl-p,ctrl-q";

    private readonly byte[] _sequence;
    private int _matched;

    private DetachKeys(byte[] sequence) => _sequence = sequence;

    public static DetachKeys Parse(string? spec)
    {
        string text = string.IsNullOrEmpty(spec) ? Default : spec;
        var bytes = new List<byte>();
        foreach (var key in text.Split(','))
        {
            if (key.Length == 1)
                bytes.Add((byte)key[0]);
            else if (key.Length == 6 && key.StartsWith("ctrl-", StringComparison.OrdinalIgnoreCase) && Control(key[5]) is byte b)
                bytes.Add(b);
            else
                throw new InvalidArgumentException($"Invalid detach keys ({text}) provided");
        }
        return new DetachKeys([.. bytes]);
    }

    private static byte? Control(char c) => char.ToLowerInvariant(c) switch
    {
        >= 'a' and <= 'z' and var l => (byte)(l - 'a' + 1),
        '@' => 0,
        '[' => 27,
        '\\' => 28,
        ']' => 29,
        '^' => 30,
        '_' => 31,
        _ => null,
    };

    /// <summary>Appends the bytes to forward to stdin; returns true when the full sequence was typed.</summary>
    public bool Scan(ReadOnlySpan<byte> input, List<byte> forward)
    {
        foreach (byte b in input)
        {
            if (b == _sequence[_matched])
            {
                _matched++;
                if (_matched == _sequence.Length)
                    return true;
                continue;
            }
            // The held-back prefix was ordinary input after all.
            forward.AddRange(_sequence.AsSpan(0, _matched));
            _matched = 0;
            if (b == _sequence[0])
                _matched = 1;
            else
                forward.Add(b);
        }
        return false;
    }
}
