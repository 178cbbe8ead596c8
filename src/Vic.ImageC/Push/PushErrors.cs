using System.Net;
using Vic.ImageC.Registry;
using Vic.PortLayer;

namespace Vic.ImageC.Push;

/// <summary>Registry refusals during a push, worded the way dockerd relays them (the registry's code and message).</summary>
internal static class PushErrors
{
    public static PortLayerException From(RegistryHttpException e)
    {
        string code = (e.Code ?? "").ToLowerInvariant();
        switch (e.Status)
        {
            case HttpStatusCode.Unauthorized:
                return new UnauthorizedException($"{(code.Length > 0 ? code : "unauthorized")}: {e.RegistryMessage ?? "authentication required"}");
            case HttpStatusCode.Forbidden:
                return new ForbiddenException($"{(code.Length > 0 ? code : "denied")}: {e.RegistryMessage ?? "requested access to the resource is denied"}");
            case HttpStatusCode.NotFound:
                return new NotFoundException($"{(code.Length > 0 ? code : "not found")}: {e.RegistryMessage ?? "not found"}");
            default:
                return code.Length > 0
                    ? new InvalidArgumentException($"{code}: {e.RegistryMessage}")
                    : new InvalidArgumentException($"received unexpected HTTP status: {(int)e.Status} {e.Status}");
        }
    }
}
