using System.Net.Http.Headers;
using System.Text;

namespace Vic.ImageC.Registry;

/// <summary>
/// One WWW-Authenticate challenge of a registry: its scheme ("Bearer" or "Basic") and parameters (realm, service,
/// scope, error...). Parameter values may be quoted and hold commas ("repository:a:pull,push"), so they are parsed
/// as RFC 7235 auth-params rather than split on commas.
/// </summary>
internal sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);

    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public string? this[string name] => Parameters.GetValueOrDefault(name);

    /// <summary>The challenge to answer: Bearer when offered (it carries scopes), else Basic; null when neither.</summary>
    public static AuthChallenge? Choose(IEnumerable<AuthenticationHeaderValue> headers)
    {
        var parsed = headers.Select(h => Parse(h.Scheme, h.Parameter)).ToList();
        return parsed.FirstOrDefault(c => c.IsBearer) ?? parsed.FirstOrDefault(c => c.IsBasic);
    }

    public static AuthChallenge Parse(string scheme, string? parameters)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string text = parameters ?? "";
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || char.IsWhiteSpace(text[i])))
            {
                i++;
            }
            int nameStart = i;
            while (i < text.Length && text[i] != '=' && text[i] != ',')
            {
                i++;
            }
            string name = text[nameStart..i].Trim();
            if (i >= text.Length || text[i] != '=')
            {
                continue; // a token68 or a malformed pair: nothing a registry challenge needs
            }
            i++;
            string value;
            if (i < text.Length && text[i] == '"')
            {
                var quoted = new StringBuilder();
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    quoted.Append(text[i++]);
                }
                i++; // closing quote
                value = quoted.ToString();
            }
            else
            {
                int valueStart = i;
                while (i < text.Length && text[i] != ',')
                {
                    i++;
                }
                value = text[valueStart..i].Trim();
            }
            if (name.Length > 0)
            {
                values[name] = value;
            }
        }
        return new AuthChallenge(scheme, values);
    }
}
