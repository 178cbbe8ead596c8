using Microsoft.AspNetCore.Http;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Images;

/// <summary>
/// docker import (POST /images/create?fromSrc=...): the root filesystem tar (plain, gzip or zstd) is the request body
/// (fromSrc=-) or what the VCH fetches from the URL in fromSrc (<see cref="ImageDownload"/>), stored as the one layer of
/// a new image (applied inside a VM like any layer); -c instructions give its config. Answers a JSON message stream
/// ending with the image ID, as dockerd does: for a URL, "Downloading from &lt;url&gt;" once the server answered, then
/// "Importing" progress; a URL that cannot be fetched fails before the stream begins, with its own status.
/// </summary>
internal static class ImageImport
{
    public static async Task RunAsync(HttpContext context, IImageService images, ImageEvents events)
    {
        var query = context.Request.Query;
        string source = RequestValues.String(query, "fromSrc")!;
        string? reference = Routes.CommitRoutes.Reference(RequestValues.String(query, "repo"), RequestValues.String(query, "tag"));
        var config = ChangeInstructions.Apply(new ImageConfig(), query["changes"].OfType<string>());
        Uri? url = source == "-" ? null : ImageDownload.Normalize(source);
        string message = RequestValues.String(query, "message") ?? "";
        var image = new NewImage
        {
            Config = config,
            // dockerd names the URL as it fetched it ("http://" added), or "-".
            Comment = message.Length > 0 ? message : "Imported from " + (url?.ToString() ?? source),
            References = reference is null ? [] : [reference],
            MayBeCompressed = true,
        };
        var stream = new JsonMessageStream(context);
        await stream.RunAsync(async _ =>
        {
            if (url is null)
            {
                var imported = await images.CreateAsync(image, context.Request.Body, context.RequestAborted);
                await events.ImagesAsync("import", [imported.Id], context.RequestAborted);
                return [new JsonMessage { Status = imported.Id }];
            }
            using var response = await ImageDownload.GetAsync(url, context.RequestAborted);
            stream.Report(new JsonMessage { Status = "Downloading from " + url });
            await using var body = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await using var counted = new ProgressStream(body, response.Content.Headers.ContentLength ?? -1, stream.Report);
            var created = await images.CreateAsync(image, counted, context.RequestAborted);
            await events.ImagesAsync("import", [created.Id], context.RequestAborted);
            return [new JsonMessage { Status = created.Id }];
        });
    }
}
