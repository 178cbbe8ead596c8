using System.Text;

namespace Vic.Tether.Protocol;

/// <summary>
/// Guestinfo pairs as text, one <c>key = "value"</c> line each: the syntax of extraConfig lines in a VM's .vmx
/// file. Locally the QEMU fw_cfg entry <see cref="Channels.GuestInfoFwCfgName"/> carries this text, so a VM
/// configured the way vSphere configures one boots under QEMU. Values are restricted to what the encoder writes
/// (no quote, backslash, '|' or line break), so no escaping is needed and none is guessed at.
/// </summary>
public static class GuestInfoText
{
    public static string Format(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var text = new StringBuilder();
        foreach ((string key, string value) in pairs)
        {
            if (!IsKey(key) || !IsValue(value))
            {
                throw new ArgumentException($"guestinfo pair {key} cannot be written as a .vmx line", nameof(pairs));
            }
            text.Append(key).Append(" = \"").Append(value).Append("\"\n");
        }
        return text.ToString();
    }

    /// <summary>Parses the lines back. Throws <see cref="GuestInfoException"/> naming the first bad line (1-based).</summary>
    public static Dictionary<string, string> Parse(string text)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i].TrimEnd('\r').Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            string key = equals < 0 ? "" : line[..equals].Trim();
            string quoted = equals < 0 ? "" : line[(equals + 1)..].Trim();
            if (!IsKey(key) || quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"' || !IsValue(quoted[1..^1]))
            {
                throw new GuestInfoException($"guestinfo text line {i + 1} is not key = \"value\": {Shorten(line)}");
            }
            if (!pairs.TryAdd(key, quoted[1..^1]))
            {
                throw new GuestInfoException($"guestinfo text line {i + 1}: key {key} set twice");
            }
        }
        return pairs;
    }

    private static bool IsKey(string key) =>
        key.StartsWith("guestinfo.", StringComparison.Ordinal) && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_');

    private static bool IsValue(string value) => !value.Any(c => c is '"' or '\\' or '|' or '\n' or '\r');

    private static string Shorten(string line) => line.Length <= 80 ? line : line[..80] + "…";
}
