using Vic.Engine.Containers;
using Vic.ImageC;

namespace Vic.Engine.Images;

/// <summary>Which container uses each image, for rmi's and prune's conflict rules.</summary>
internal static class ImageUsers
{
    /// <summary>Image ID → a container using it (a running one if any: a running user cannot be forced away, as in dockerd).</summary>
    public static async Task<Dictionary<string, ImageUser>> LoadAsync(ContainerResolver containers, CancellationToken cancellationToken)
    {
        var users = new Dictionary<string, ImageUser>(StringComparer.Ordinal);
        foreach (var c in (await containers.ListAsync(cancellationToken)).OrderByDescending(c => c.IsRunning))
        {
            if (c.ImageId.Length > 0)
                users.TryAdd(c.ImageId, new ImageUser(c.Id, c.IsRunning));
        }
        return users;
    }
}
