using Vic.Engine.Http;
using Vic.Engine.Images;
using Vic.Engine.Models;

namespace Vic.Engine.Events;

/// <summary>
/// The filters of GET /events, matched as dockerd matches them: every given key must match (AND), any of a key's
/// values may (OR). Names of things (container, volume, network, daemon...) match an event whose actor ID or "name"
/// attribute equals or starts with the value, whatever the event's type: dockerd does not look at the type there, so
/// "volume=x" also passes a container event whose name starts with x. "image" matches an image event's ID or name and
/// a container event's image, each also without its tag. "label" looks at the actor's attributes (a container's or
/// image's labels are among them).
/// </summary>
internal static class EventFilter
{
    public static readonly IReadOnlySet<string> Keys = new HashSet<string>
    {
        "config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume",
    };

    /// <summary>Keys matched against the actor's ID and name.</summary>
    private static readonly string[] NameKeys = ["container", "daemon", "network", "node", "plugin", "secret", "service", "volume", "config"];

    /// <summary>Actions that carry a suffix ("exec_start: sh -c ..."); a filter naming one of these bare makes dockerd match
    /// every event value by prefix.</summary>
    private static readonly string[] SuffixedActions = ["exec_create", "exec_start", "health_status"];

    public static bool Matches(DockerFilters filters, EventMessage e) =>
        MatchesAction(filters, e.Action)
        && Exact(filters, "type", e.Type)
        && Exact(filters, "scope", e.Scope)
        && NameKeys.All(key => MatchesName(filters, key, e))
        && MatchesImage(filters, e)
        && filters.MatchesLabels("label", e.Actor.Attributes);

    private static bool MatchesAction(DockerFilters filters, string action)
    {
        if (!filters.Has("event"))
            return true;
        var wanted = filters.Get("event");
        return wanted.Any(SuffixedActions.Contains)
            ? wanted.Any(w => action.StartsWith(w, StringComparison.Ordinal))
            : wanted.Contains(action);
    }

    private static bool MatchesName(DockerFilters filters, string key, EventMessage e)
    {
        if (!filters.Has(key))
            return true;
        string name = e.Actor.Attributes.GetValueOrDefault("name") ?? "";
        // A leading '/' is how the old API spelled container names; it never starts a name here.
        return filters.Get(key).Any(v => StartsWith(e.Actor.ID, v) || StartsWith(name, v.TrimStart('/')));
    }

    private static bool StartsWith(string source, string prefix) => source.Length > 0 && source.StartsWith(prefix, StringComparison.Ordinal);

    private static bool MatchesImage(DockerFilters filters, EventMessage e)
    {
        if (!filters.Has("image"))
            return true;
        string id = e.Actor.ID;
        string name = e.Actor.Attributes.GetValueOrDefault(e.Type == EventTypes.Image ? "name" : "image") ?? "";
        var wanted = filters.Get("image");
        return new[] { id, name, WithoutTag(id), WithoutTag(name) }.Any(candidate => candidate.Length > 0 && wanted.Contains(candidate));
    }

    /// <summary>The familiar repository without tag or digest ("docker.io/library/busybox:1" → "busybox"); an image ID
    /// is kept whole.</summary>
    internal static string WithoutTag(string reference) =>
        ImageReference.LooksLikeId(reference) ? reference : ImageReference.RepositoryOf(ImageReference.Familiar(reference));

    private static bool Exact(DockerFilters filters, string key, string value) => !filters.Has(key) || filters.Get(key).Contains(value);
}
