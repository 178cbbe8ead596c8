using Vic.Engine.Models;

namespace Vic.Engine.Containers;

/// <summary>
/// Legacy links (--link on the default bridge) as dockerd names them: a link with alias A made by container P to
/// container T gives T the extra name "/P/A". ps lists it among T's Names, the name finds T like its own does, and
/// `docker rm --link P/A` removes the link (from P's HostConfig.Links) and nothing else. Links on user networks are
/// endpoint aliases served by the VCH's DNS and have no names.
/// </summary>
internal static class LegacyLinks
{
    /// <summary>The links <paramref name="parent"/> holds by name: (target name, alias).</summary>
    public static IEnumerable<(string Target, string Alias)> Of(ContainerRecord parent) =>
        parent.HostConfig.NetworkMode is "default" or "bridge" or ""
            ? (parent.HostConfig.Links ?? []).Select(Networks.ContainerNetworking.ParseLink)
            : [];

    /// <summary>"/P/A" link names by target container name.</summary>
    public static ILookup<string, string> NamesByTarget(IEnumerable<ContainerRecord> all) =>
        all.SelectMany(p => Of(p).Select(l => (l.Target, Name: $"/{p.Name}/{l.Alias}"))).ToLookup(l => l.Target, l => l.Name);

    /// <summary>Splits "P/A" (or "/P/A") into parent and alias; null for a plain name.</summary>
    public static (string Parent, string Alias)? Split(string name)
    {
        string trimmed = name.TrimStart('/');
        int slash = trimmed.LastIndexOf('/');
        return slash <= 0 || slash == trimmed.Length - 1 ? null : (trimmed[..slash], trimmed[(slash + 1)..]);
    }

    /// <summary><paramref name="parent"/>'s HostConfig without its link named <paramref name="alias"/>; null when it has none.</summary>
    public static HostConfig? Without(ContainerRecord parent, string alias)
    {
        var links = parent.HostConfig.Links ?? [];
        var kept = links.Where(l => Networks.ContainerNetworking.ParseLink(l).Alias != alias).ToList();
        return kept.Count == links.Count ? null : parent.HostConfig with { Links = kept.Count == 0 ? null : kept };
    }
}
