using Vic.Engine.Http;
using Vic.ImageC;

namespace Vic.Engine.Images;

/// <summary>docker images filters: dangling, reference, label, before, since.</summary>
internal sealed class ImageFilter(IImageService images)
{
    private static readonly IReadOnlySet<string> Keys = new HashSet<string> { "before", "dangling", "label", "reference", "since", "until" };

    public async Task<List<ImageRecord>> ApplyAsync(IReadOnlyList<ImageRecord> all, string? filtersJson, CancellationToken cancellationToken)
    {
        var filters = DockerFilters.Parse(filtersJson, Keys);
        bool? dangling = filters.Bool("dangling");
        DateTimeOffset? before = await CreatedOfAsync(filters.Get("before"), cancellationToken);
        DateTimeOffset? since = await CreatedOfAsync(filters.Get("since"), cancellationToken);
        var references = filters.Get("reference");
        return all
            .Where(i => dangling is null || (i.RepoTags.Count == 0) == dangling)
            .Where(i => filters.MatchesLabels("label", i.Config.Labels))
            .Where(i => before is null || i.Created < before)
            .Where(i => since is null || i.Created > since)
            .Select(i => references.Count == 0 ? i : Narrowed(i, references))
            .OfType<ImageRecord>()
            .ToList();
    }

    /// <summary>
    /// Under a reference filter dockerd lists only the references that match: an image tagged a:1 and b:1 is one
    /// row, b:1, for `docker images b`; an image with none left is not listed.
    /// </summary>
    private static ImageRecord? Narrowed(ImageRecord image, IReadOnlyList<string> patterns)
    {
        var tags = image.RepoTags.Where(t => patterns.Any(p => Matches(p, t))).ToList();
        var digests = image.RepoDigests.Where(d => patterns.Any(p => Matches(p, d))).ToList();
        return tags.Count == 0 && digests.Count == 0 ? null : image with { RepoTags = tags, RepoDigests = digests };
    }

    /// <summary>A pattern matches "name:tag" (or "name@digest") or just the repository name, in Docker's familiar spelling.</summary>
    private static bool Matches(string pattern, string reference)
    {
        string familiar = ImageReference.Familiar(reference);
        return ImageReference.GlobMatch(pattern, familiar) || ImageReference.GlobMatch(pattern, ImageReference.RepositoryOf(familiar));
    }

    private async Task<DateTimeOffset?> CreatedOfAsync(IReadOnlyList<string> refs, CancellationToken cancellationToken)
    {
        if (refs.Count == 0)
            return null;
        var image = await images.FindAsync(refs[0], cancellationToken)
            ?? throw new Vic.PortLayer.NotFoundException("No such image: " + ImageReference.WithDefaultTag(refs[0]));
        return image.Created;
    }
}
