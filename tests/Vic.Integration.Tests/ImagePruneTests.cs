namespace Vic.Integration.Tests;

/// <summary>
/// docker image prune with the real CLI: dangling images go with their layer disks, images a container uses stay,
/// -a with a label filter takes tagged ones, and each removal is logged as dockerd logs it.
/// </summary>
[Collection("vch")]
public sealed class ImagePruneTests(VchFixture vch)
{
    /// <summary>A one-layer tar of its own (a file of random bytes), so the imported image has a layer no other image shares.</summary>
    private static async Task<string> LayerTarAsync()
    {
        string dir = Path.Combine(Path.GetTempPath(), "vic-prune-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(dir, "root"));
        await File.WriteAllBytesAsync(Path.Combine(dir, "root", "payload"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(64 * 1024));
        string tar = Path.Combine(dir, "layer.tar");
        var made = await Shell.RunAsync("tar", ["-C", Path.Combine(dir, "root"), "-cf", tar, "payload"]);
        Assert.True(made.ExitCode == 0, made.ToString());
        return tar;
    }

    /// <summary>The datastore directory of an image's only layer (its chain ID is its diff ID).</summary>
    private async Task<string> LayerDirectoryAsync(string image)
    {
        string diffId = await vch.OkAsync("image", "inspect", "-f", "{{index .RootFS.Layers 0}}", image);
        return Path.Combine(vch.DatastorePath, "layers", diffId["sha256:".Length..]);
    }

    [Fact]
    public async Task Prune_frees_unused_dangling_images_and_their_layer_disks_and_keeps_used_ones()
    {
        string label = "vic.test.prune=" + Guid.NewGuid().ToString("N")[..8];
        string tagged = "prune-tagged-" + Guid.NewGuid().ToString("N")[..6] + ":v1";
        DateTimeOffset since = DateTimeOffset.UtcNow.AddSeconds(-1);
        string dangling = await vch.OkAsync("import", await LayerTarAsync());
        string used = await vch.OkAsync("import", await LayerTarAsync());
        await vch.OkAsync("import", "-c", "LABEL " + label, await LayerTarAsync(), tagged);
        string taggedId = await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", tagged);
        string container = await vch.OkAsync("create", used, "/payload");
        try
        {
            string danglingLayer = await LayerDirectoryAsync(dangling);
            string usedLayer = await LayerDirectoryAsync(used);
            Assert.True(Directory.Exists(danglingLayer), danglingLayer);

            string pruned = await vch.OkAsync("image", "prune", "-f");
            Assert.Contains("deleted: " + dangling, pruned);
            Assert.Matches(@"Total reclaimed space: [1-9][0-9.]*[kM]?B", pruned);
            Assert.DoesNotContain(used, pruned);
            Assert.False(Directory.Exists(danglingLayer), "the pruned image's layer disk is still on the datastore: " + danglingLayer);
            Assert.True(Directory.Exists(usedLayer), "a used image's layer disk went: " + usedLayer);
            Assert.NotEqual(0, (await vch.DockerAsync("image", "inspect", dangling)).ExitCode);
            Assert.Equal(used, await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", used));
            // Tagged images are not dangling: the default prune leaves them (busybox included).
            Assert.Equal(taggedId, await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", tagged));
            await vch.OkAsync("image", "inspect", "busybox");

            // -a (dangling=false) narrowed by a label: the tagged image is untagged and deleted; busybox stays.
            string taggedLayer = await LayerDirectoryAsync(tagged);
            string all = await vch.OkAsync("image", "prune", "-a", "-f", "--filter", "label=" + label);
            Assert.Contains("untagged: " + tagged, all);
            Assert.Contains("deleted: " + taggedId, all);
            Assert.False(Directory.Exists(taggedLayer), taggedLayer);
            await vch.OkAsync("image", "inspect", "busybox");
            Assert.Equal(used, await vch.OkAsync("image", "inspect", "-f", "{{.Id}}", used));

            var refused = await vch.DockerAsync("image", "prune", "-f", "--filter", "dangling=maybe");
            Assert.NotEqual(0, refused.ExitCode);
            // The CLI adds its own dangling=true beside the user's value: dockerd refuses the pair.
            Assert.Contains("invalid filter 'dangling=[", refused.Stderr);
            Assert.Contains("maybe", refused.Stderr);

            string events = await vch.OkAsync("events", "--since", since.ToUnixTimeSeconds().ToString(), "--until", DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeSeconds().ToString(),
                "--filter", "type=image", "--format", "{{.Action}} {{.Actor.ID}}");
            Assert.Contains("delete " + dangling, events);
            Assert.Contains("untag " + taggedId, events);
            Assert.Contains("delete " + taggedId, events);
            Assert.Contains("prune ", events);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", container);
            await vch.DockerAsync("rmi", used, tagged);
        }
    }
}
