using Microsoft.AspNetCore.Http;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Images;

/// <summary>
/// docker import (POST /images/create?fromSrc=-): the request body is the root filesystem tar (plain, gzip or zstd),
/// stored as the one layer of a new image (applied inside a VM like any layer); -c instructions give its config.
/// Answers a JSON message stream ending with the image ID, as dockerd does.
/// </summary>
internal static class ImageImport
{
    public static async Task RunAsync(HttpContext context, IImageService images)
    {
        var query = context.Request.Query;
        if (RequestValues.String(query, "fromSrc") != "-")
            throw new NotSupportedByBackendException("importing from a URL is not supported by this VCH: send the archive in the request (docker import - or a file)");
        string? reference = Routes.CommitRoutes.Reference(RequestValues.String(query, "repo"), RequestValues.String(query, "tag"));
        string message = RequestValues.String(query, "message") ?? "";
        var image = new NewImage
        {
            Config = ChangeInstructions.Apply(new ImageConfig(), query["changes"].OfType<string>()),
            Comment = message.Length > 0 ? message : "Imported from -",
            References = reference is null ? [] : [reference],
            MayBeCompressed = true,
        };
        var stream = new JsonMessageStream(context);
        await stream.RunAsync(async _ =>
        {
            var created = await images.CreateAsync(image, context.Request.Body, context.RequestAborted);
            return [new JsonMessage { Status = created.Id }];
        });
    }
}
