using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Vic.TestSupport;

/// <summary>
/// Test images built from Debian's busybox-static, written in C# as OCI image layouts and pushed to a
/// <see cref="TestRegistry"/> (or turned into docker-save archives) with skopeo.
/// </summary>
public static class TestImages
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const string BusyboxBinary = "/bin/busybox";

    /// <summary>What the multi-layer variant's second layer adds.</summary>
    public const string AddedFile = "hello.txt";
    public const string AddedFileContent = "hello from the second layer\n";
    public const string AddedHardLink = "hello-link";
    /// <summary>What the second layer deletes with a whiteout.</summary>
    public const string WhitedOutFile = "bin/vi";

    private static readonly Lazy<string[]> Applets = new(() =>
        ProcessRunner.RunAsync(BusyboxBinary, ["--list"], TimeSpan.FromSeconds(30), CancellationToken.None).GetAwaiter().GetResult()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(a => a != "busybox")
            .Order(StringComparer.Ordinal)
            .ToArray());

    /// <summary>Names of the applets linked in /bin.</summary>
    public static IReadOnlyList<string> BusyboxApplets => Applets.Value;

    /// <summary>
    /// The base layer (uncompressed tar): /bin/busybox with a symlink per applet, /etc/passwd (root, app 1000,
    /// nobody), /etc/group, /tmp 1777, /root 0700, /home/app owned by 1000.
    /// </summary>
    public static byte[] BusyboxLayer()
    {
        using var tar = new MemoryStream();
        using (var layer = new LayerTarBuilder(tar))
        {
            layer.Directory("bin").File("bin/busybox", File.ReadAllBytes(BusyboxBinary), LayerTarBuilder.Mode755);
            foreach (string applet in BusyboxApplets)
            {
                layer.Symlink("bin/" + applet, "busybox");
            }
            layer.Directory("etc")
                .File("etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")
                .File("etc/group", "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n")
                .Directory("tmp", LayerTarBuilder.Mode1777)
                .Directory("root", LayerTarBuilder.Mode700)
                .Directory("home")
                .Directory("home/app", LayerTarBuilder.Mode755, 1000, 1000);
        }
        return tar.ToArray();
    }

    /// <summary>The multi-layer variant's second layer: adds a file and a hard link to it, whiteouts /bin/vi.</summary>
    public static byte[] SecondLayer()
    {
        using var tar = new MemoryStream();
        using (var layer = new LayerTarBuilder(tar))
        {
            layer.File(AddedFile, AddedFileContent).HardLink(AddedHardLink, AddedFile).Directory("bin").Whiteout(WhitedOutFile);
        }
        return tar.ToArray();
    }

    public static OciImage BuildBusybox(string directory, string tag = "latest", TestImageConfig? config = null) =>
        Build(directory, tag, [BusyboxLayer()], config);

    /// <summary>Busybox plus <see cref="SecondLayer"/>; shares its bottom layer with <see cref="BuildBusybox"/>.</summary>
    public static OciImage BuildMultiLayer(string directory, string tag = "latest", TestImageConfig? config = null) =>
        Build(directory, tag, [BusyboxLayer(), SecondLayer()], config);

    /// <summary>
    /// Writes an OCI image layout with the given uncompressed layers, gzip-compressed in the layout unless
    /// <paramref name="compress"/> (with its <paramref name="layerMediaType"/>) says otherwise.
    /// </summary>
    public static OciImage Build(
        string directory, string tag, IReadOnlyList<byte[]> layers, TestImageConfig? config = null,
        Func<byte[], byte[]>? compress = null, string layerMediaType = "application/vnd.oci.image.layer.v1.tar+gzip")
    {
        config ??= new TestImageConfig();
        string blobs = Path.Combine(directory, "blobs", "sha256");
        Directory.CreateDirectory(blobs);
        var diffIds = layers.Select(Digest).ToList();
        var compressed = layers.Select(compress ?? Gzip).ToList();
        var layerDigests = compressed.Select(c => WriteBlob(blobs, c)).ToList();

        byte[] configBytes = ConfigBytes(config, diffIds);
        string configDigest = WriteBlob(blobs, configBytes);
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.Length),
            ["layers"] = new JsonArray(compressed.Select((c, i) => (JsonNode)Descriptor(layerMediaType, layerDigests[i], c.Length)).ToArray()),
        };
        byte[] manifestBytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        string manifestDigest = WriteBlob(blobs, manifestBytes);
        var entry = Descriptor("application/vnd.oci.image.manifest.v1+json", manifestDigest, manifestBytes.Length);
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        var index = new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(entry) };
        File.WriteAllText(Path.Combine(directory, "index.json"), index.ToJsonString());
        File.WriteAllText(Path.Combine(directory, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return new OciImage(directory, tag, manifestDigest, configDigest, layerDigests, diffIds);
    }

    /// <summary>Pushes the image to a registry on loopback: skopeo copy oci:dir:tag docker://host:port/repository:tag.</summary>
    public static Task PushAsync(OciImage image, string registryHostPort, string repository, string tag, CancellationToken cancellationToken = default) =>
        ProcessRunner.RunAsync("skopeo",
            ["copy", "--quiet", "--insecure-policy", "--dest-tls-verify=false", image.SkopeoSource, $"docker://{registryHostPort}/{repository}:{tag}"],
            TimeSpan.FromSeconds(60), cancellationToken);

    /// <summary>Writes a docker-save archive (what docker load reads) naming the image name:tag.</summary>
    public static Task SaveDockerArchiveAsync(OciImage image, string file, string name, string tag, CancellationToken cancellationToken = default)
    {
        File.Delete(file);
        return ProcessRunner.RunAsync("skopeo",
            ["copy", "--quiet", "--insecure-policy", image.SkopeoSource, $"docker-archive:{file}:{name}:{tag}"],
            TimeSpan.FromSeconds(60), cancellationToken);
    }

    public static string Digest(byte[] content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    public static byte[] Gzip(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(content);
        }
        return output.ToArray();
    }

    /// <summary>The config JSON of an image with these diff IDs (what <see cref="Build"/> writes).</summary>
    public static byte[] ConfigBytes(TestImageConfig config, IReadOnlyList<string> diffIds) =>
        Encoding.UTF8.GetBytes(ConfigJson(config, diffIds.ToList()).ToJsonString());

    private static JsonObject ConfigJson(TestImageConfig config, List<string> diffIds)
    {
        var run = new JsonObject
        {
            ["Env"] = new JsonArray(config.Env.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray()),
        };
        if (config.Cmd is not null)
        {
            run["Cmd"] = new JsonArray(config.Cmd.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        }
        if (config.Entrypoint is not null)
        {
            run["Entrypoint"] = new JsonArray(config.Entrypoint.Select(e => (JsonNode)JsonValue.Create(e)!).ToArray());
        }
        if (config.WorkingDir.Length > 0)
        {
            run["WorkingDir"] = config.WorkingDir;
        }
        if (config.User.Length > 0)
        {
            run["User"] = config.User;
        }
        if (config.Labels.Count > 0)
        {
            run["Labels"] = new JsonObject(config.Labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value))));
        }
        string created = LayerTarBuilder.Epoch.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
        return new JsonObject
        {
            ["created"] = created,
            ["architecture"] = config.Architecture,
            ["os"] = config.Os,
            ["config"] = run,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(diffIds.Select(d => (JsonNode)JsonValue.Create(d)!).ToArray()) },
            ["history"] = new JsonArray(diffIds.Select((_, i) => (JsonNode)new JsonObject { ["created"] = created, ["created_by"] = $"vic test layer {i}" }).ToArray()),
        };
    }

    private static JsonObject Descriptor(string mediaType, string digest, long size) =>
        new() { ["mediaType"] = mediaType, ["digest"] = digest, ["size"] = size };

    private static string WriteBlob(string blobs, byte[] content)
    {
        string digest = Digest(content);
        File.WriteAllBytes(Path.Combine(blobs, digest["sha256:".Length..]), content);
        return digest;
    }
}
