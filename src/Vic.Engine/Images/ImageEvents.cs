using Vic.Engine.Events;
using Vic.Engine.Models;
using Vic.ImageC;

namespace Vic.Engine.Images;

/// <summary>
/// dockerd's image events. The actor is what dockerd names: the familiar reference for pull and push
/// ("busybox:latest"), the image ID ("sha256:...") for tag, untag, delete, import, load and save. Attributes are the
/// image's labels (when it still exists) and "name": the new reference for tag, the reference for pull and push, the
/// image ID otherwise.
/// </summary>
internal sealed class ImageEvents(IImageService images, EventBroker events)
{
    public Task PulledAsync(string reference, CancellationToken cancellationToken)
    {
        string familiar = ImageReference.WithDefaultTag(reference);
        return LogAsync("pull", familiar, familiar, cancellationToken);
    }

    /// <summary>A push without a tag (every tag of the repository) names the bare repository, as dockerd's does.</summary>
    public Task PushedAsync(string name, string? tag, CancellationToken cancellationToken)
    {
        string familiar = ImageReference.Familiar(tag is { Length: > 0 } ? $"{name}:{tag}" : name);
        return LogAsync("push", familiar, familiar, cancellationToken);
    }

    public async Task TaggedAsync(string target, CancellationToken cancellationToken)
    {
        if (await images.FindAsync(target, cancellationToken) is { } image)
            await LogAsync("tag", image.Id, ImageReference.WithDefaultTag(target), cancellationToken);
    }

    /// <summary>
    /// Each entry of an rmi answer: "untag" for a removed reference (the image's ID as actor and name), "delete" for the
    /// removed image. The freed layers listed after it get no event, as with dockerd.
    /// </summary>
    public async Task RemovedAsync(string imageId, IEnumerable<ImageDeleteItem> deleted, CancellationToken cancellationToken)
    {
        foreach (var item in deleted)
        {
            if (item.Untagged is { Length: > 0 })
                await LogAsync("untag", imageId, imageId, cancellationToken);
            if (item.Deleted == imageId)
                await LogAsync("delete", imageId, imageId, cancellationToken);
        }
    }

    /// <summary>One event per image (several references to one image count once), in the order given.</summary>
    public async Task ImagesAsync(string action, IEnumerable<string> namesOrIds, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string nameOrId in namesOrIds)
        {
            if (await images.FindAsync(nameOrId, cancellationToken) is { } image && seen.Add(image.Id))
                await LogAsync(action, image.Id, image.Id, cancellationToken);
        }
    }

    /// <summary>The images a docker load answer names ("Loaded image: busybox:latest", "Loaded image ID: sha256:...").</summary>
    public static IEnumerable<string> LoadedNames(IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            foreach (string prefix in (string[])["Loaded image ID: ", "Loaded image: "])
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    yield return line[prefix.Length..].Trim();
                    break;
                }
            }
        }
    }

    private async Task LogAsync(string action, string actorId, string name, CancellationToken cancellationToken)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        // dockerd copies the image's labels while the image exists (not any more after a delete).
        if (await images.FindAsync(actorId, cancellationToken) is { } image)
        {
            foreach (var (key, value) in image.Config.Labels)
                attributes[key] = value;
        }
        attributes["name"] = name;
        events.Publish(EventTypes.Image, action, actorId, attributes);
    }
}
