using System.Text.RegularExpressions;
using Vic.Engine.Http;
using Vic.Engine.Images;
using Vic.Engine.Mapping;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>docker ps: all/limit and the filters name, id, status, health, label, ancestor, exited, before, since.</summary>
internal sealed class ContainerFilter(IImageService images)
{
    private static readonly IReadOnlySet<string> Keys = new HashSet<string>
    {
        "ancestor", "before", "expose", "exited", "health", "id", "isolation", "is-task", "label", "name",
        "network", "publish", "since", "status", "volume",
    };

    private static readonly IReadOnlySet<string> States = new HashSet<string>
    {
        "created", "restarting", "running", "removing", "paused", "exited", "dead",
    };

    public async Task<List<ContainerRecord>> ApplyAsync(
        IReadOnlyList<ContainerRecord> all, string? filtersJson, bool includeStopped, int limit, CancellationToken cancellationToken)
    {
        var filters = DockerFilters.Parse(filtersJson, Keys);
        foreach (var status in filters.Get("status"))
        {
            if (!States.Contains(status))
                throw new InvalidArgumentException("Unrecognised filter value for status: " + status);
        }
        foreach (var health in filters.Get("health"))
        {
            if (!Health.HealthStatus.IsValidFilter(health))
                throw new InvalidArgumentException("Unrecognised filter value for health: " + health);
        }
        var exitCodes = filters.Get("exited").Select(ParseExitCode).ToHashSet();
        var ancestors = await ResolveAncestorsAsync(filters.Get("ancestor"), cancellationToken);
        DateTimeOffset? before = filters.Has("before") ? Lookup(all, filters.Get("before")[0]).Info.Created : null;
        DateTimeOffset? since = filters.Has("since") ? Lookup(all, filters.Get("since")[0]).Info.Created : null;

        // Status, exited, before and since filters imply all containers, as in dockerd.
        bool includeAll = includeStopped || limit > 0 || filters.Has("status") || filters.Has("exited") || before is not null || since is not null;
        var matches = all
            .Where(c => includeAll || c.IsRunning)
            .Where(c => !filters.Has("name") || filters.Get("name").Any(n => NameMatches(n, c.Name)))
            .Where(c => !filters.Has("id") || filters.Get("id").Any(p => c.Id.StartsWith(p, StringComparison.Ordinal)))
            .Where(c => !filters.Has("status") || filters.Get("status").Contains(StatusText.StateName(c.State)))
            .Where(c => !filters.Has("health") || filters.Get("health").Contains(c.Health?.Status ?? Health.HealthStatus.None))
            .Where(c => filters.MatchesLabels("label", c.Config.Labels))
            .Where(c => exitCodes.Count == 0 || (c.State == ContainerRunState.Exited && exitCodes.Contains(c.Info.Status.ExitCode)))
            .Where(c => ancestors is null || ancestors.Contains(c.ImageId) || filters.Get("ancestor").Contains(c.Config.Image))
            .Where(c => before is null || c.Info.Created < before)
            .Where(c => since is null || c.Info.Created > since)
            .OrderByDescending(c => c.Info.Created)
            .ThenBy(c => c.Id, StringComparer.Ordinal);
        return (limit > 0 ? matches.Take(limit) : matches).ToList();
    }

    private static int ParseExitCode(string value) =>
        int.TryParse(value, out int code) ? code : throw new InvalidArgumentException($"invalid filter 'exited={value}'");

    /// <summary>dockerd treats name filters as regular expressions over the name with its leading '/'.</summary>
    private static bool NameMatches(string pattern, string name)
    {
        try
        {
            return Regex.IsMatch("/" + name, pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100));
        }
        catch (ArgumentException)
        {
            return ("/" + name).Contains(pattern, StringComparison.Ordinal);
        }
    }

    private static ContainerRecord Lookup(IReadOnlyList<ContainerRecord> all, string nameOrId) =>
        all.FirstOrDefault(c => c.Name == nameOrId.TrimStart('/'))
        ?? all.FirstOrDefault(c => c.Id.StartsWith(nameOrId, StringComparison.Ordinal))
        ?? throw new NotFoundException("No such container: " + nameOrId);

    private async Task<HashSet<string>?> ResolveAncestorsAsync(IReadOnlyList<string> refs, CancellationToken cancellationToken)
    {
        if (refs.Count == 0)
            return null;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in refs)
        {
            if (await images.FindAsync(r, cancellationToken) is { } image)
                ids.Add(image.Id);
        }
        return ids;
    }
}
