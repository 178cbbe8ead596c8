using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Vic.Engine.Events;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Routes;

/// <summary>
/// GET /events as dockerd answers it: with since or until, the recorded events in that window first (oldest first,
/// filtered); then, unless until is already past, live events until it comes (or for ever).
/// </summary>
internal sealed class EventRoutes(EventBroker broker, TimeProvider time) : IRouteGroup
{
    public void Map(IEndpointRouteBuilder routes) => routes.MapGet("/events", StreamAsync);

    private async Task StreamAsync(HttpContext context)
    {
        var query = context.Request.Query;
        var since = RequestValues.UnixTime(query, "since");
        var until = RequestValues.UnixTime(query, "until");
        bool onlyPast = false;
        if (until is DateTimeOffset last)
        {
            if (since is DateTimeOffset first && last < first)
                throw new InvalidArgumentException(
                    $"`since` time ({RequestValues.String(query, "since")}) cannot be after `until` time ({RequestValues.String(query, "until")})");
            onlyPast = last < time.GetUtcNow();
        }
        var filters = DockerFilters.Parse(RequestValues.String(query, "filters"), EventFilter.Keys);
        using var subscription = broker.Subscribe(Nanos(since), Nanos(until));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (until is DateTimeOffset end && !onlyPast)
            stop.CancelAfter(end - time.GetUtcNow() is { Ticks: > 0 } left ? left : TimeSpan.Zero);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = DockerHeaders.JsonContentType;
        await context.Response.StartAsync(context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        foreach (var e in subscription.History.Where(e => EventFilter.Matches(filters, e)))
            await DockerResults.WriteJsonLineAsync(context.Response.Body, e, EngineJson.Default.EventMessage, "\n", context.RequestAborted);
        if (onlyPast)
            return;
        try
        {
            await foreach (var e in subscription.Reader.ReadAllAsync(stop.Token))
            {
                if (!EventFilter.Matches(filters, e))
                    continue;
                await DockerResults.WriteJsonLineAsync(context.Response.Body, e, EngineJson.Default.EventMessage, "\n", stop.Token);
            }
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // "until" reached: the stream simply ends.
        }
    }

    private static long? Nanos(DateTimeOffset? when) => when is DateTimeOffset t ? (t - DateTimeOffset.UnixEpoch).Ticks * 100 : null;
}
