using System.Text;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>
/// In-memory images for the personality's tests. Seeded with busybox:latest (also tagged 127.0.0.1:5000/busybox)
/// and an entrypoint image. Pull of "nosuchrepo" fails before any progress; pull of "flaky" fails midway.
/// </summary>
internal sealed class FakeImageService : IImageService
{
    public const string BusyboxId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    public const string EntrypointId = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    private readonly List<ImageRecord> _images = [];

    public FakeImageService()
    {
        _images.Add(Image(BusyboxId, ["busybox:latest", "127.0.0.1:5000/busybox:latest"], new ImageConfig
        {
            Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "IMAGE_ONLY=1", "SHARED=image"],
            Cmd = ["sh"],
            Labels = new Dictionary<string, string> { ["org.example.base"] = "busybox", ["shared"] = "image" },
        }, DateTimeOffset.UtcNow.AddDays(-10)));
        _images.Add(Image(EntrypointId, ["ep:latest"], new ImageConfig
        {
            Entrypoint = ["/bin/echo"],
            Cmd = ["from-image"],
            WorkingDir = "/srv",
            User = "nobody",
            StopSignal = "SIGQUIT",
            ExposedPorts = ["80/tcp"],
        }, DateTimeOffset.UtcNow.AddDays(-5)));
    }

    /// <summary>Adds an image (for tests that need a config the seeded ones lack).</summary>
    public void Add(string id, string tag, ImageConfig config)
    {
        lock (_images)
            _images.Add(Image(id, [tag], config, DateTimeOffset.UtcNow));
    }

    /// <summary>
    /// Adds an image with any number of tags (none: dangling), a creation time and an optional parent (as commit
    /// records it); its top layer is its own unless <paramref name="topLayerId"/> names a shared one.
    /// </summary>
    public void Add(string id, IReadOnlyList<string> tags, ImageConfig config, DateTimeOffset created, string parent = "", string? topLayerId = null)
    {
        lock (_images)
            _images.Add(Image(id, tags, config, created) with { Parent = parent, TopLayerId = topLayerId ?? "sha256:" + id[^8..].PadLeft(64, 'f') });
    }

    private static ImageRecord Image(string id, IReadOnlyList<string> tags, ImageConfig config, DateTimeOffset created) => new()
    {
        Id = id,
        RepoTags = tags,
        RepoDigests = [],
        Created = created,
        Size = 4_200_000,
        Config = config,
        DiffIds = ["sha256:" + new string('a', 64)],
        TopLayerId = "sha256:" + new string('c', 64),
        ConfigJson = Encoding.UTF8.GetBytes("""{"history":[{"created":"2024-01-01T00:00:00Z","created_by":"ADD rootfs"},{"created":"2024-01-02T00:00:00Z","created_by":"CMD [\"sh\"]","empty_layer":true}]}"""),
    };

    /// <summary>The credentials the last pull, push or login was given (decoded from X-Registry-Auth or the body).</summary>
    public RegistryCredentials? LastCredentials { get; private set; }

    /// <summary>
    /// Push of a local tag succeeds with a fixed digest; of "denied/..." fails after the first line (as a registry
    /// refusal does). Login accepts user "good" with password "secret".
    /// </summary>
    public async Task<IReadOnlyList<PushedImage>> PushAsync(
        string name, string? tag, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken)
    {
        LastCredentials = credentials;
        string wanted = $"{name}:{tag ?? "latest"}";
        if (!_images.Any(i => i.RepoTags.Contains(wanted)))
            throw new NotFoundException($"An image does not exist locally with the tag: {name}");
        progress.Report(new ProgressMessage { Status = $"The push refers to repository [{name}]" });
        await Task.Yield();
        if (name.StartsWith("denied/", StringComparison.Ordinal))
            throw new UnauthorizedException("unauthorized: authentication required");
        progress.Report(new ProgressMessage { Id = "aaaaaaaaaaaa", Status = "Pushed" });
        var pushed = new PushedImage(tag ?? "latest", "sha256:" + new string('d', 64), 527);
        progress.Report(new ProgressMessage { Status = $"{pushed.Tag}: digest: {pushed.Digest} size: {pushed.Size}" });
        progress.Report(new ProgressMessage { Status = "", Pushed = pushed });
        return [pushed];
    }

    public Task<LoginResult> LoginAsync(string serverAddress, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        LastCredentials = credentials;
        if (credentials.Username != "good" || credentials.Password != "secret")
            throw new UnauthorizedException($"login attempt to http://{serverAddress}/v2/ failed with status: 401 Unauthorized");
        return Task.FromResult(new LoginResult("Login Succeeded", ""));
    }

    public RegistryPolicy RegistryPolicy { get; set; } = new();

    /// <summary>The last reference asked of the registry by InspectDistributionAsync.</summary>
    public string? LastDistribution { get; private set; }

    /// <summary>Any reference is an index for linux/amd64 and linux/arm64/v8, except "nosuchrepo", which the registry lacks.</summary>
    public Task<DistributionInspect> InspectDistributionAsync(string reference, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        LastDistribution = reference;
        LastCredentials = credentials;
        if (Repo(reference).EndsWith("nosuchrepo", StringComparison.Ordinal))
            throw new NotFoundException($"pull access denied for {Repo(reference)}, repository does not exist or may require 'docker login'");
        return Task.FromResult(new DistributionInspect(
            new DistributionDescriptor("application/vnd.oci.image.index.v1+json", "sha256:" + new string('e', 64), 1234),
            [new DistributionPlatform("amd64", "linux"), new DistributionPlatform("arm64", "linux", Variant: "v8")]));
    }

    public async Task<ImageRecord> PullAsync(
        string reference, string? platform, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken)
    {
        LastCredentials = credentials;
        reference = reference.Replace("docker.io/library/", "", StringComparison.Ordinal); // the CLI sends the canonical name
        string repo = Repo(reference);
        if (repo == "nosuchrepo")
            throw new NotFoundException($"pull access denied for {repo}, repository does not exist or may require 'docker login'");
        progress.Report(new ProgressMessage { Id = "latest", Status = "Pulling from library/" + repo });
        progress.Report(new ProgressMessage { Id = "aaaaaaaaaaaa", Status = "Pulling fs layer" });
        progress.Report(new ProgressMessage { Id = "aaaaaaaaaaaa", Status = "Downloading", Current = 1, Total = 2 });
        await Task.Yield();
        if (repo == "flaky")
            throw new InternalException("unexpected EOF");
        progress.Report(new ProgressMessage { Id = "aaaaaaaaaaaa", Status = "Pull complete" });
        progress.Report(new ProgressMessage { Status = "Status: Downloaded newer image for " + WithTag(reference) });
        var image = _images[0];
        lock (_images)
        {
            if (!image.RepoTags.Contains(WithTag(reference)))
                _images[0] = image = image with { RepoTags = [.. image.RepoTags, WithTag(reference)] };
        }
        return image;
    }

    /// <summary>Repositories asked for with PullAllTagsAsync, in order.</summary>
    public List<string> AllTagsPulls { get; } = [];

    public Task<IReadOnlyList<ImageRecord>> PullAllTagsAsync(
        string repository, string? platform, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken)
    {
        lock (AllTagsPulls)
        {
            AllTagsPulls.Add(repository);
        }
        progress.Report(new ProgressMessage { Status = "Status: Image is up to date for " + repository });
        return Task.FromResult<IReadOnlyList<ImageRecord>>([_images[0]]);
    }

    public Task<ImageRecord?> FindAsync(string nameOrId, CancellationToken cancellationToken)
    {
        lock (_images)
        {
            string bare = nameOrId.StartsWith("sha256:", StringComparison.Ordinal) ? nameOrId[7..] : nameOrId;
            var found = _images.FirstOrDefault(i => i.RepoTags.Contains(WithTag(nameOrId)))
                ?? _images.FirstOrDefault(i => bare.Length >= 4 && i.Id[7..].StartsWith(bare, StringComparison.Ordinal));
            return Task.FromResult(found);
        }
    }

    public Task<IReadOnlyList<ImageRecord>> ListAsync(CancellationToken cancellationToken)
    {
        lock (_images)
            return Task.FromResult<IReadOnlyList<ImageRecord>>(_images.ToList());
    }

    public async Task TagAsync(string source, string target, CancellationToken cancellationToken)
    {
        var image = await FindAsync(source, cancellationToken) ?? throw new NotFoundException("No such image: " + source);
        lock (_images)
        {
            int i = _images.FindIndex(x => x.Id == image.Id);
            _images[i] = image with { RepoTags = [.. image.RepoTags, WithTag(target)] };
        }
    }

    public async Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string nameOrId, bool force, Func<string, string?> imageInUse, CancellationToken cancellationToken)
    {
        var image = await FindAsync(nameOrId, cancellationToken) ?? throw new NotFoundException("No such image: " + WithTag(nameOrId));
        lock (_images)
        {
            int i = _images.FindIndex(x => x.Id == image.Id);
            if (image.RepoTags.Contains(WithTag(nameOrId)) && image.RepoTags.Count > 1)
            {
                _images[i] = image with { RepoTags = image.RepoTags.Where(t => t != WithTag(nameOrId)).ToList() };
                return [new ImageDeleteItem(WithTag(nameOrId), null)];
            }
            if (imageInUse(image.Id) is string container && !force)
                throw new ConflictException($"conflict: unable to delete {image.Id[7..19]} (must be forced) - image is being used by stopped container {container[..12]}");
            _images.RemoveAt(i);
            // The top layer goes with the image unless another image still stands on it, as the real store frees layers.
            bool layerFreed = image.TopLayerId is not null && !_images.Any(x => x.TopLayerId == image.TopLayerId);
            return [.. image.RepoTags.Select(t => new ImageDeleteItem(t, null)), new ImageDeleteItem(null, image.Id),
                .. layerFreed ? [new ImageDeleteItem(null, image.TopLayerId) { Size = image.Size }] : Array.Empty<ImageDeleteItem>()];
        }
    }

    public async Task<IReadOnlyList<string>> LoadAsync(Stream archive, IProgress<ProgressMessage> progress, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await archive.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
            throw new InvalidArgumentException("unexpected EOF: the archive is empty");
        return ["Loaded image: loaded:latest"];
    }

    /// <summary>The last image made by import or commit, with the layer bytes it was given.</summary>
    public (NewImage Image, byte[] Layer)? LastCreated { get; private set; }

    /// <summary>Keeps the layer's bytes; the image's ID is their sha256, tagged as asked.</summary>
    public async Task<ImageRecord> CreateAsync(NewImage image, Stream layer, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await layer.CopyToAsync(buffer, cancellationToken);
        byte[] bytes = buffer.ToArray();
        LastCreated = (image, bytes);
        string id = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        var record = Image(id, image.References, image.Config, DateTimeOffset.UtcNow);
        lock (_images)
            _images.Add(record);
        return record;
    }

    public async Task SaveAsync(IReadOnlyList<string> namesOrIds, Stream output, CancellationToken cancellationToken)
    {
        foreach (var name in namesOrIds)
        {
            if (await FindAsync(name, cancellationToken) is null)
                throw new NotFoundException("No such image: " + WithTag(name));
        }
        await output.WriteAsync(Encoding.ASCII.GetBytes("FAKE-TAR:" + string.Join(',', namesOrIds)), cancellationToken);
    }

    private static string Repo(string reference)
    {
        int slash = reference.LastIndexOf('/');
        int colon = reference.IndexOf(':', slash + 1);
        return colon < 0 ? reference : reference[..colon];
    }

    private static string WithTag(string reference)
    {
        int slash = reference.LastIndexOf('/');
        return reference.IndexOf(':', slash + 1) >= 0 || reference.Contains('@') ? reference : reference + ":latest";
    }
}
