using System.Text.Json;
using Microsoft.Extensions.Logging;
using Vic.ImageC.Digests;
using Vic.ImageC.Json;
using Vic.ImageC.References;
using Vic.ImageC.Registry;
using Vic.PortLayer;

namespace Vic.ImageC.Pull;

/// <summary>
/// docker manifest's and docker-py's inspect_distribution: the registry's manifest for a reference, read without
/// pulling. As dockerd: Docker Hub mirrors first, then the registry; the descriptor is the top manifest's (a list or
/// index stays one), the platforms those a list names, or the image config's for a single manifest (fetched, and
/// left out when it cannot be read or names no platform).
/// </summary>
internal sealed class DistributionInspector(RegistryClient registry, ILogger logger)
{
    public async Task<DistributionInspect> InspectAsync(string referenceText, RegistryCredentials credentials, CancellationToken cancellationToken)
    {
        var reference = ImageReference.Parse(referenceText).WithDefaultTag();
        registry.Access.Check(reference.Domain);
        foreach (var mirror in registry.Access.MirrorsFor(reference.Domain))
        {
            try
            {
                return await InspectAsync(RegistryClient.Session(mirror, reference.Domain, reference.Path, credentials), reference, cancellationToken);
            }
            catch (Exception e) when (e is PortLayerException or RegistryHttpException && !cancellationToken.IsCancellationRequested)
            {
                Log.MirrorFailed(logger, mirror.ToString(), reference.Familiar, e.Message);
            }
        }
        var session = await registry.OpenAsync(reference.Domain, reference.Path, credentials, push: false, null, cancellationToken);
        return await InspectAsync(session, reference, cancellationToken);
    }

    private async Task<DistributionInspect> InspectAsync(RegistrySession session, ImageReference reference, CancellationToken cancellationToken)
    {
        FetchedManifest fetched;
        try
        {
            fetched = await registry.GetManifestAsync(session, reference.Digest ?? reference.Tag!, cancellationToken);
        }
        catch (RegistryHttpException e)
        {
            throw PullErrors.ForManifest(e, reference);
        }
        string digest = Digest.Of(fetched.Bytes);
        if (reference.Digest is not null && digest != reference.Digest)
        {
            throw new InternalException($"manifest verification failed for digest {reference.Digest}");
        }
        ManifestJson manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(fetched.Bytes, RegistryJson.Default.ManifestJson) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"{reference.Familiar}: invalid manifest: {e.Message}");
        }
        string mediaType = manifest.MediaType ?? fetched.ContentType ?? "";
        var descriptor = new DistributionDescriptor(mediaType, digest, fetched.Bytes.Length);
        if (manifest.Manifests is not null || MediaTypes.IsIndex(mediaType))
        {
            var platforms = (manifest.Manifests ?? [])
                .Where(m => m.Platform is not null)
                .Select(m => new DistributionPlatform(m.Platform!.Architecture, m.Platform.Os, m.Platform.OsVersion, m.Platform.OsFeatures, m.Platform.Variant))
                .ToList();
            return new DistributionInspect(descriptor, platforms);
        }
        return new DistributionInspect(descriptor, await ConfigPlatformAsync(session, manifest, cancellationToken));
    }

    /// <summary>The platform a single manifest's config names; none when it cannot be read, as dockerd leaves it out.</summary>
    private async Task<IReadOnlyList<DistributionPlatform>> ConfigPlatformAsync(RegistrySession session, ManifestJson manifest, CancellationToken cancellationToken)
    {
        if (manifest.Config is null)
        {
            return [];
        }
        try
        {
            byte[] bytes = await registry.GetBlobBytesAsync(session, manifest.Config, "image config", cancellationToken);
            var config = JsonSerializer.Deserialize(bytes, RegistryJson.Default.ImageConfigJson);
            return config is null || (string.IsNullOrEmpty(config.Os) && string.IsNullOrEmpty(config.Architecture))
                ? []
                : [new DistributionPlatform(config.Architecture ?? "", config.Os ?? "", Variant: config.Variant)];
        }
        catch (Exception e) when (e is RegistryHttpException or PortLayerException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return [];
        }
    }
}
