using System.Text;
using Microsoft.AspNetCore.Http;

namespace Vic.Admin.Pages;

internal static class ContainersPage
{
    public static Task WriteAsync(HttpContext context, IReadOnlyList<ContainerRow> containers)
    {
        var body = new StringBuilder();
        if (containers.Count == 0)
        {
            body.Append("<p class=\"note\">No containers.</p>");
        }
        else
        {
            body.Append("<table id=\"containers\"><tr><th>Name</th><th>ID</th><th>Image</th><th>State</th><th>Created</th><th>Log</th></tr>");
            foreach (var c in containers)
            {
                string link = "/containers/" + Uri.EscapeDataString(c.Id) + "/log";
                body.Append("<tr data-id=\"").Append(Html.E(c.Id)).Append("\"><td>").Append(Html.E(c.Name))
                    .Append("</td><td><code>").Append(Html.E(c.ShortId)).Append("</code></td><td>").Append(Html.E(c.Image))
                    .Append("</td><td class=\"state-").Append(Html.E(c.State.ToString().ToLowerInvariant())).Append("\">").Append(Html.E(c.StateText))
                    .Append("</td><td>").Append(Html.E(c.Created.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'")))
                    .Append("</td><td><a class=\"log\" href=\"").Append(Html.E(link)).Append("\">log tail</a></td></tr>");
            }
            body.Append("</table>");
        }
        return Html.WriteAsync(context, StatusCodes.Status200OK, $"Containers ({containers.Count})", body.ToString());
    }
}
