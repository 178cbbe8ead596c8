using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Images;

/// <summary>
/// docker image prune, as dockerd does it: each candidate goes through rmi's own rules (without force), so an image a
/// container uses, in any state, is never deleted and its conflict just skips it; every removal logs its untag and
/// delete events, and the prune one event with what it reclaimed (the freed layers' sizes).
/// </summary>
internal sealed class ImagePruner(IImageService images, ContainerResolver containers, ImageEvents imageEvents, EventBroker events, TimeProvider time)
{
    private int _running;

    public async Task<ImagePruneResponse> PruneAsync(string? filtersJson, CancellationToken cancellationToken)
    {
        var filter = PruneFilter.ParseForImages(filtersJson, time.GetUtcNow());
        bool danglingOnly = filter.DanglingOnly;
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
            throw new ConflictException("a prune operation is already running");
        try
        {
            var deleted = new List<ImageDeleteResponseItem>();
            long reclaimed = 0;
            var users = await ImageUsers.LoadAsync(containers, cancellationToken);
            foreach (var (imageId, names) in await CandidatesAsync(filter, danglingOnly, cancellationToken))
            {
                foreach (string name in names)
                {
                    IReadOnlyList<ImageDeleteItem> removed;
                    try
                    {
                        removed = await images.RemoveAsync(name, force: false, id => users.GetValueOrDefault(id), cancellationToken);
                    }
                    catch (Exception e) when (e is ConflictException or NotFoundException)
                    {
                        // In use (dockerd skips conflicts quietly), or already gone with an earlier reference.
                        continue;
                    }
                    await imageEvents.RemovedAsync(imageId, removed, cancellationToken);
                    deleted.AddRange(removed.Select(d => new ImageDeleteResponseItem { Untagged = d.Untagged, Deleted = d.Deleted }));
                    reclaimed += removed.Sum(d => d.Size);
                }
            }
            events.Publish(EventTypes.Image, "prune", "", new Dictionary<string, string>
            {
                ["reclaimed"] = reclaimed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            return new ImagePruneResponse(deleted.Count == 0 ? null : deleted, (ulong)reclaimed);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <summary>
    /// The images to remove, oldest first, each with the names rmi is asked for: its references when it has any (only
    /// for an image without a tag, unless dangling=false), else its ID. An untagged image another one was committed on
    /// is an intermediate layer of that one, not garbage, and stays.
    /// </summary>
    private async Task<List<(string Id, IReadOnlyList<string> Names)>> CandidatesAsync(PruneFilter filter, bool danglingOnly, CancellationToken cancellationToken)
    {
        var all = await images.ListAsync(cancellationToken);
        var parents = all.Select(i => i.Parent).Where(p => p.Length > 0).ToHashSet(StringComparer.Ordinal);
        var candidates = new List<(string, IReadOnlyList<string>)>();
        foreach (var image in all.OrderBy(i => i.Created))
        {
            bool referenced = image.RepoTags.Count + image.RepoDigests.Count > 0;
            if (!referenced && parents.Contains(image.Id))
                continue;
            if (!filter.Matches(image.Created, image.Config.Labels))
                continue;
            if (!referenced)
                candidates.Add((image.Id, [image.Id]));
            else if (!danglingOnly || image.RepoTags.Count == 0)
                candidates.Add((image.Id, [.. image.RepoTags, .. image.RepoDigests]));
        }
        return candidates;
    }
}
