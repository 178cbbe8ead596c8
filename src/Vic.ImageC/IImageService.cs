using Vic.PortLayer;

namespace Vic.ImageC;

/// <summary>
/// The VCH's images: pulling from registries, loading and saving archives, tags, and removal. Layers are
/// written through <see cref="IImageLayerStore"/> (as disks, applied inside VMs); image configs and tags are kept in
/// <see cref="IMetadataStore"/>. Every method throws the port layer's closed error set
/// (NotFoundException, ConflictException, InvalidArgumentException...) with dockerd's wording.
/// </summary>
public interface IImageService
{
    /// <summary>
    /// Pulls <paramref name="reference"/> ("busybox", "busybox:1.36", "127.0.0.1:5000/x/y@sha256:...").
    /// Progress is reported as Docker JSON-message equivalents. Returns the pulled image. On failure nothing new is kept.
    /// </summary>
    Task<ImageRecord> PullAsync(string reference, string? platform, IProgress<ProgressMessage> progress, CancellationToken cancellationToken) =>
        PullAsync(reference, platform, RegistryCredentials.Anonymous, progress, cancellationToken);

    /// <summary>docker pull with the client's credentials (its X-Registry-Auth). Throws UnauthorizedException when they are refused.</summary>
    Task<ImageRecord> PullAsync(
        string reference, string? platform, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken);

    /// <summary>
    /// docker pull --all-tags, which the API spells as a pull without a tag: every tag the registry lists for
    /// <paramref name="repository"/>, pulled in turn with dockerd's per-tag progress and one final status for the
    /// repository. A reference naming a tag or digest pulls only that, as dockerd does. Returns the images pulled.
    /// </summary>
    Task<IReadOnlyList<ImageRecord>> PullAllTagsAsync(
        string repository, string? platform, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken);

    /// <summary>
    /// docker push of <paramref name="name"/> ("127.0.0.1:5000/app") at <paramref name="tag"/>, or of every local tag of
    /// the repository when the tag is null or empty. Layers the registry has are not sent; layers another repository of
    /// the same registry has are mounted from it. Progress is dockerd's push stream; the last message of each tag
    /// carries <see cref="ProgressMessage.Pushed"/>. Throws NotFoundException when no such tag exists locally.
    /// </summary>
    Task<IReadOnlyList<PushedImage>> PushAsync(
        string name, string? tag, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken);

    /// <summary>
    /// docker login: checks <paramref name="credentials"/> against the registry at <paramref name="serverAddress"/>
    /// ("127.0.0.1:5000", "https://index.docker.io/v1/", empty for Docker Hub). Throws UnauthorizedException when refused.
    /// </summary>
    Task<LoginResult> LoginAsync(string serverAddress, RegistryCredentials credentials, CancellationToken cancellationToken);

    /// <summary>
    /// GET /distribution/{name}/json: what the registry serves for <paramref name="reference"/> (default tag latest)
    /// without pulling it: the manifest's descriptor and the platforms it offers (each entry's of a list or index; the
    /// config's for a single manifest). Refusals as for a pull.
    /// </summary>
    Task<DistributionInspect> InspectDistributionAsync(string reference, RegistryCredentials credentials, CancellationToken cancellationToken) =>
        throw new NotSupportedByBackendException("inspecting a registry's manifest is not supported by this image service");

    /// <summary>The registry policy in force, for docker info.</summary>
    RegistryPolicy RegistryPolicy => new();

    /// <summary>Resolves a name[:tag] (default tag latest), name@digest, full ID ("sha256:..." or bare hex), or unique ID prefix. Null when not found.</summary>
    Task<ImageRecord?> FindAsync(string nameOrId, CancellationToken cancellationToken);

    Task<IReadOnlyList<ImageRecord>> ListAsync(CancellationToken cancellationToken);

    /// <summary>docker tag: <paramref name="target"/> is "repo[:tag]" (tag defaults to latest). Throws NotFound for the source.</summary>
    Task TagAsync(string source, string target, CancellationToken cancellationToken);

    /// <summary>
    /// docker rmi. <paramref name="imageInUse"/> tells whether a container uses an image ID (and which, for the message).
    /// Untags a tag reference when other tags remain; deletes the image (and layers no one else uses) otherwise.
    /// Refuses with Conflict when in use, unless force (then only untags, as dockerd does for a running container's image).
    /// </summary>
    Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string nameOrId, bool force, Func<string, string?> imageInUse, CancellationToken cancellationToken);

    /// <summary>
    /// docker rmi with dockerd's full semantics: <paramref name="imageUser"/> returns, for an image ID, a container
    /// using it (a running one in preference to a stopped one) or null. A running container's image cannot be
    /// deleted even with force ("cannot be forced"); a stopped container's can, with force ("must be forced").
    /// The overload above cannot tell running from stopped and treats every user as stopped.
    /// </summary>
    Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string nameOrId, bool force, Func<string, ImageUser?> imageUser, CancellationToken cancellationToken) =>
        RemoveAsync(nameOrId, force, id => imageUser(id)?.ContainerId, cancellationToken);

    /// <summary>docker load: a docker-save (or OCI layout) tar archive. Returns "Loaded image: name:tag" / "Loaded image ID: sha256:..." lines.</summary>
    Task<IReadOnlyList<string>> LoadAsync(Stream archive, IProgress<ProgressMessage> progress, CancellationToken cancellationToken);

    /// <summary>
    /// docker commit and docker import: stores <paramref name="layer"/> (a tar; for import possibly gzip or zstd) as a new
    /// layer on top of <see cref="NewImage.ParentImageId"/>'s (written inside a VM like any layer) and creates the image
    /// with a config derived from the parent's. Returns it. On failure nothing new is kept.
    /// </summary>
    Task<ImageRecord> CreateAsync(NewImage image, Stream layer, CancellationToken cancellationToken) =>
        throw new NotSupportedByBackendException("creating images is not supported by this image service");

    /// <summary>docker save: writes a docker-save archive of the named images to <paramref name="output"/>.</summary>
    Task SaveAsync(IReadOnlyList<string> namesOrIds, Stream output, CancellationToken cancellationToken);
}

/// <summary>One entry of a Docker JSON progress stream (status line, or progress of one layer).</summary>
public sealed record ProgressMessage
{
    /// <summary>Short layer ID (12 hex) or tag the line is about; null for a general status line.</summary>
    public string? Id { get; init; }
    public required string Status { get; init; }
    public long? Current { get; init; }
    public long? Total { get; init; }
    /// <summary>The result a push reports last (Docker's "aux" member).</summary>
    public PushedImage? Pushed { get; init; }
}

/// <summary>A registry's manifest for a reference: its descriptor and the platforms it serves.</summary>
public sealed record DistributionInspect(DistributionDescriptor Descriptor, IReadOnlyList<DistributionPlatform> Platforms);

/// <summary>The manifest (or list / index) as the registry serves it: media type, digest of its bytes, their length.</summary>
public sealed record DistributionDescriptor(string MediaType, string Digest, long Size);

/// <summary>One platform a manifest offers (OCI's platform object).</summary>
public sealed record DistributionPlatform(string Architecture, string Os, string? OsVersion = null, IReadOnlyList<string>? OsFeatures = null, string? Variant = null);

/// <summary>What a push of one tag produced: the manifest digest and size the registry stored.</summary>
public sealed record PushedImage(string Tag, string Digest, int Size);

/// <summary>
/// One entry of an rmi answer: a removed reference (Untagged), or a deleted image or layer (Deleted: the image ID, or a
/// freed layer's chain ID).
/// </summary>
public sealed record ImageDeleteItem(string? Untagged, string? Deleted)
{
    /// <summary>For a freed layer, its uncompressed size (what dockerd counts as reclaimed by a prune); 0 otherwise.</summary>
    public long Size { get; init; }
}

/// <summary>A container that uses an image, for rmi's conflict rules and messages.</summary>
public sealed record ImageUser(string ContainerId, bool Running);

/// <summary>An image as the VCH stores it.</summary>
public sealed record ImageRecord
{
    /// <summary>"sha256:" + sha256 of the config JSON.</summary>
    public required string Id { get; init; }
    public IReadOnlyList<string> RepoTags { get; init; } = [];
    public IReadOnlyList<string> RepoDigests { get; init; } = [];
    public required DateTimeOffset Created { get; init; }
    /// <summary>Sum of the uncompressed layer sizes.</summary>
    public long Size { get; init; }
    /// <summary>The local image this one was committed on top of ("" when none: pulled, loaded, imported).</summary>
    public string Parent { get; init; } = "";
    public string Architecture { get; init; } = "amd64";
    public string Os { get; init; } = "linux";
    public string Author { get; init; } = "";
    public string DockerVersion { get; init; } = "";
    public string Comment { get; init; } = "";
    /// <summary>The image's runtime config ("config" object of the OCI image config).</summary>
    public required ImageConfig Config { get; init; }
    /// <summary>rootfs.diff_ids, bottom layer first.</summary>
    public IReadOnlyList<string> DiffIds { get; init; } = [];
    /// <summary>Chain ID of the top layer: the IImageLayerStore layer a container's disk is a child of. Null for an image without layers.</summary>
    public string? TopLayerId { get; init; }
    /// <summary>The raw config JSON as pulled (for save and for inspect fields this record does not model).</summary>
    public required byte[] ConfigJson { get; init; }
}

/// <summary>The runtime defaults an image gives a container.</summary>
public sealed record ImageConfig
{
    public string User { get; init; } = "";
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string>? Entrypoint { get; init; }
    public IReadOnlyList<string>? Cmd { get; init; }
    public string WorkingDir { get; init; } = "";
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> ExposedPorts { get; init; } = [];
    public IReadOnlyList<string> Volumes { get; init; } = [];
    public string StopSignal { get; init; } = "";
    public bool? ArgsEscaped { get; init; }
    public IReadOnlyList<string>? Shell { get; init; }
    public IReadOnlyList<string>? OnBuild { get; init; }
    /// <summary>HEALTHCHECK; null when the image sets none.</summary>
    public ImageHealthcheck? Healthcheck { get; init; }
}

/// <summary>
/// An image's health check as its config stores it: durations in nanoseconds, zero meaning "the default".
/// Test is ["NONE"], ["CMD", argv...] or ["CMD-SHELL", command].
/// </summary>
public sealed record ImageHealthcheck
{
    public IReadOnlyList<string>? Test { get; init; }
    public long Interval { get; init; }
    public long Timeout { get; init; }
    public long StartPeriod { get; init; }
    public long StartInterval { get; init; }
    public int Retries { get; init; }
}
