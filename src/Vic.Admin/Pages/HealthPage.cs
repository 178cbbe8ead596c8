using System.Text;
using Microsoft.AspNetCore.Http;

namespace Vic.Admin.Pages;

internal static class HealthPage
{
    public static Task WriteAsync(HttpContext context, HealthReport report, string principal)
    {
        var body = new StringBuilder("<table id=\"health\">");
        foreach (var (label, value) in report.Lines())
            body.Append("<tr><th>").Append(Html.E(label)).Append("</th><td>").Append(Html.E(value)).Append("</td></tr>");
        body.Append("</table>");
        body.Append("<p class=\"note\">Logged in with ").Append(Html.E(principal)).Append(".</p>");
        return Html.WriteAsync(context, StatusCodes.Status200OK, "Health of " + report.VchName, body.ToString());
    }
}
