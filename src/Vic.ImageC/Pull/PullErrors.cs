using System.Net;
using Vic.ImageC.References;
using Vic.ImageC.Registry;
using Vic.PortLayer;

namespace Vic.ImageC.Pull;

/// <summary>Registry refusals in dockerd's words, so that `docker pull` prints what users know.</summary>
internal static class PullErrors
{
    public static PortLayerException ForManifest(RegistryHttpException e, ImageReference reference)
    {
        bool denied = e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden || e.Code is "NAME_UNKNOWN" or "DENIED" or "UNAUTHORIZED";
        if (denied)
        {
            return AccessDenied(reference);
        }
        if (e.Status == HttpStatusCode.NotFound)
        {
            string detail = e.RegistryMessage is { Length: > 0 } m ? m : "manifest unknown";
            return new NotFoundException($"manifest for {reference.Familiar} not found: manifest unknown: {detail}");
        }
        return Unexpected(e);
    }

    /// <summary>A refused tag list: the repository is unknown or not readable with these credentials.</summary>
    public static PortLayerException ForTags(RegistryHttpException e, ImageReference repository) =>
        e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound || e.Code is "NAME_UNKNOWN" or "DENIED" or "UNAUTHORIZED"
            ? AccessDenied(repository)
            : Unexpected(e);

    public static PortLayerException ForBlob(RegistryHttpException e, ImageReference reference, string digest)
    {
        if (e.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return AccessDenied(reference);
        }
        if (e.Status == HttpStatusCode.NotFound)
        {
            return new NotFoundException($"blob {digest} of {reference.FamiliarName} not found: blob unknown to registry");
        }
        return Unexpected(e);
    }

    public static NotFoundException AccessDenied(ImageReference reference) =>
        new($"pull access denied for {reference.FamiliarName}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied");

    private static PortLayerException Unexpected(RegistryHttpException e) =>
        new InvalidArgumentException($"received unexpected HTTP status: {(int)e.Status} {e.Code} {e.RegistryMessage}".TrimEnd());
}
