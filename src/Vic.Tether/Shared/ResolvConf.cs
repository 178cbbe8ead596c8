using System.Text;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>The container's /etc/resolv.conf from the spec's DNS settings, in the order dockerd writes them.</summary>
internal static class ResolvConf
{
    /// <summary>
    /// "search" (left out when empty or only ".", which means "no search domains" to Docker), one "nameserver"
    /// line each, then "options".
    /// </summary>
    public static string Render(DnsSpec dns)
    {
        var text = new StringBuilder();
        string[] search = dns.Search.Where(s => s.Length > 0).ToArray();
        if (search.Length > 0 && !(search.Length == 1 && search[0] == "."))
        {
            text.Append("search ").AppendJoin(' ', search).Append('\n');
        }
        foreach (string server in dns.Nameservers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }
        string[] options = dns.Options.Where(o => o.Length > 0).ToArray();
        if (options.Length > 0)
        {
            text.Append("options ").AppendJoin(' ', options).Append('\n');
        }
        return text.ToString();
    }
}
