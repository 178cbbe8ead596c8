using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.Engine.Mapping;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>docker stats: samples of the container's VM, one a second while streaming.</summary>
internal sealed class ContainerStatsRoutes(PortLayerServices portLayer, ContainerResolver resolver, TimeProvider time) : IRouteGroup
{
    /// <summary>dockerd's collection interval: the CLI's rates assume about a second between samples.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public void Map(IEndpointRouteBuilder routes) => routes.MapGet("/containers/{id}/stats", StatsAsync);

    private async Task StatsAsync(HttpContext context)
    {
        var query = context.Request.Query;
        bool stream = RequestValues.Bool(query, "stream", absent: true);
        bool oneShot = RequestValues.Bool(query, "one-shot");
        if (oneShot && stream)
            throw new InvalidArgumentException("cannot have stream=true and one-shot=true");
        var c = await resolver.ResolveAsync(Id(context), context.RequestAborted);
        var token = context.RequestAborted;

        VmStats first = await portLayer.Stats.SampleAsync(c.Id, token);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = DockerHeaders.JsonContentType;
        if (!stream)
        {
            VmStats? previous = null;
            // Without one-shot dockerd answers with two samples' worth, so the client can compute rates from one document.
            if (!oneShot && first.Running)
            {
                await Task.Delay(Interval, time, token);
                (previous, first) = (first, await portLayer.Stats.SampleAsync(c.Id, token));
            }
            await WriteAsync(context, StatsMapper.ToResponse(c.Id, c.Name, first, previous), token);
            return;
        }

        await context.Response.StartAsync(token);
        VmStats? last = null;
        VmStats sample = first;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await WriteAsync(context, StatsMapper.ToResponse(c.Id, c.Name, sample, last), token);
                await Task.Delay(Interval, time, token);
                last = sample;
                sample = await portLayer.Stats.SampleAsync(c.Id, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away: the normal end of a stream.
        }
        catch (NotFoundException)
        {
            // Removed while streaming: dockerd ends the stream.
        }
    }

    private static Task WriteAsync(HttpContext context, ContainerStatsResponse response, CancellationToken token) =>
        DockerResults.WriteJsonLineAsync(context.Response.Body, response, EngineJson.Default.ContainerStatsResponse, "\n", token);

    private static string Id(HttpContext context) => RequestValues.Route(context, "id");
}
