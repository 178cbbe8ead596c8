using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Vic.ImageC.Archive;
using Vic.ImageC.Digests;
using Vic.ImageC.Layers;
using Vic.ImageC.Pull;
using Vic.ImageC.Push;
using Vic.ImageC.References;
using Vic.ImageC.Registry;
using Vic.ImageC.Remove;
using Vic.ImageC.Store;
using Vic.PortLayer;

namespace Vic.ImageC;

/// <summary>
/// The VCH's image service over a port-layer backend: layers go to <see cref="IImageLayerStore"/> (disks, applied
/// inside VMs), metadata to <see cref="IMetadataStore"/>, kept blobs and temp files to <see cref="ImageServiceOptions.DataDirectory"/>.
/// One instance per VCH: it holds the shared HttpClient and the lock that keeps metadata consistent.
/// </summary>
public sealed class ImageService : IImageService, IDisposable
{
    private readonly ImageCatalog _catalog;
    private readonly RegistryClient _registry;
    private readonly ImagePuller _puller;
    private readonly ArchiveLoader _loader;
    private readonly ArchiveSaver _saver;
    private readonly ImageRemover _remover;
    private readonly ImagePusher _pusher;
    private readonly Commit.ImageCreator _creator;
    private readonly ImageServiceOptions _options;
    private readonly DistributionInspector _distribution;

    /// <param name="httpHandler">For tests and proxies; by default a SocketsHttpHandler.</param>
    public ImageService(
        IImageLayerStore layers,
        IMetadataStore metadata,
        ImageServiceOptions options,
        ILogger<ImageService>? logger = null,
        TimeProvider? time = null,
        HttpMessageHandler? httpHandler = null)
    {
        options.Validate();
        _options = options;
        ILogger log = logger ?? NullLogger<ImageService>.Instance;
        time ??= TimeProvider.System;
        _catalog = new ImageCatalog(metadata);
        var blobs = new BlobStore(options.DataDirectory);
        var retry = RetryPolicy.Create(options.MaxRetries, options.RetryBaseDelay, time, log);
        _registry = new RegistryClient(new RegistryAccess(options.Registries, httpHandler), retry, time, log);
        var importer = new LayerImporter(layers, _catalog, options.MaxConcurrentDownloads, log);
        var committer = new ImageCommitter(_catalog, blobs, time);
        _puller = new ImagePuller(_registry, _catalog, blobs, importer, committer, time, log);
        _distribution = new DistributionInspector(_registry, log);
        _loader = new ArchiveLoader(_catalog, blobs, importer, committer, time, log);
        _saver = new ArchiveSaver(_catalog, blobs, log);
        _remover = new ImageRemover(layers, _catalog, blobs, log);
        _pusher = new ImagePusher(_registry, _catalog, blobs, options, time, log);
        _creator = new Commit.ImageCreator(_catalog, blobs, importer, committer, time, log);
    }

    public RegistryPolicy RegistryPolicy => _options.Registries;

    /// <summary>Bearer tokens currently cached (tests of the per-scope cache).</summary>
    internal int CachedTokens => _registry.Authenticator.CachedTokens;

    public Task<ImageRecord> PullAsync(string reference, string? platform, IProgress<ProgressMessage> progress, CancellationToken cancellationToken) =>
        _puller.PullAsync(reference, platform, RegistryCredentials.Anonymous, progress, cancellationToken);

    public Task<ImageRecord> PullAsync(
        string reference, string? platform, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken) =>
        _puller.PullAsync(reference, platform, credentials, progress, cancellationToken);

    public Task<IReadOnlyList<ImageRecord>> PullAllTagsAsync(
        string repository, string? platform, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken) =>
        _puller.PullAllTagsAsync(repository, platform, credentials, progress, cancellationToken);

    public Task<IReadOnlyList<PushedImage>> PushAsync(
        string name, string? tag, RegistryCredentials credentials, IProgress<ProgressMessage> progress, CancellationToken cancellationToken) =>
        _pusher.PushAsync(name, tag, credentials, progress, cancellationToken);

    public Task<DistributionInspect> InspectDistributionAsync(string reference, RegistryCredentials credentials, CancellationToken cancellationToken) =>
        _distribution.InspectAsync(reference, credentials, cancellationToken);

    public Task<LoginResult> LoginAsync(string serverAddress, RegistryCredentials credentials, CancellationToken cancellationToken) =>
        _registry.LoginAsync(ServerAddress.Normalize(serverAddress), credentials, cancellationToken);

    public async Task<ImageRecord?> FindAsync(string nameOrId, CancellationToken cancellationToken)
    {
        var repositories = await _catalog.ReadRepositoriesAsync(cancellationToken);
        string? id = await ImageResolver.ResolveAsync(_catalog, repositories, nameOrId, cancellationToken);
        return id is null ? null : await ImageRecords.ReadAsync(_catalog, id, repositories, cancellationToken);
    }

    public async Task<IReadOnlyList<ImageRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var repositories = await _catalog.ReadRepositoriesAsync(cancellationToken);
        var records = new List<ImageRecord>();
        foreach (string id in await _catalog.ListImageIdsAsync(cancellationToken))
        {
            if (await ImageRecords.ReadAsync(_catalog, id, repositories, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }
        return records.OrderByDescending(r => r.Created).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    public async Task TagAsync(string source, string target, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(target);
        if (reference.Digest is not null)
        {
            throw new InvalidArgumentException("refusing to create a tag with a digest reference");
        }
        if (reference.FamiliarName == "sha256")
        {
            throw new InvalidArgumentException("refusing to create an ambiguous tag using digest algorithm as name");
        }
        reference = reference.WithDefaultTag();
        using var locked = await _catalog.LockAsync(cancellationToken);
        var repositories = await _catalog.ReadRepositoriesAsync(cancellationToken);
        string id = await ImageResolver.ResolveAsync(_catalog, repositories, source, cancellationToken)
            ?? throw new NotFoundException($"No such image: {source}");
        if (!repositories.Repositories.TryGetValue(reference.Name, out var refs))
        {
            repositories.Repositories[reference.Name] = refs = new Dictionary<string, string>(StringComparer.Ordinal);
        }
        refs[reference.ToString()] = id;
        await _catalog.WriteRepositoriesAsync(repositories, cancellationToken);
    }

    public Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string nameOrId, bool force, Func<string, string?> imageInUse, CancellationToken cancellationToken) =>
        _remover.RemoveAsync(nameOrId, force, id => imageInUse(id) is { } container ? new ImageUser(container, Running: false) : null, cancellationToken);

    public Task<IReadOnlyList<ImageDeleteItem>> RemoveAsync(string nameOrId, bool force, Func<string, ImageUser?> imageUser, CancellationToken cancellationToken) =>
        _remover.RemoveAsync(nameOrId, force, imageUser, cancellationToken);

    public Task<IReadOnlyList<string>> LoadAsync(Stream archive, IProgress<ProgressMessage> progress, CancellationToken cancellationToken) =>
        _loader.LoadAsync(archive, progress, cancellationToken);

    public Task SaveAsync(IReadOnlyList<string> namesOrIds, Stream output, CancellationToken cancellationToken) =>
        _saver.SaveAsync(namesOrIds, output, cancellationToken);

    public Task<ImageRecord> CreateAsync(NewImage image, Stream layer, CancellationToken cancellationToken) =>
        _creator.CreateAsync(image, layer, cancellationToken);

    public void Dispose() => _registry.Dispose();
}
