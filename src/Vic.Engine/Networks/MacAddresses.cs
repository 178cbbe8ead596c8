using System.Globalization;
using Vic.Engine.Http;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>A MAC address the client asked for: the container-wide Config.MacAddress or an endpoint's own.</summary>
internal sealed record MacRequest(string Address, bool OverridesEndpoint);

/// <summary>Requested MAC addresses, checked and moved where dockerd (API 1.44) moves them.</summary>
internal static class MacAddresses
{
    public const string DeprecationWarning =
        "The container-wide MacAddress field is now deprecated. It should be specified in EndpointsConfig instead.";

    /// <summary>
    /// Config.MacAddress belongs to the endpoint on the container's main network since API 1.44: from 1.44 it is taken
    /// from the config (inspect no longer shows it) with a warning, and must agree with that endpoint's own address;
    /// before 1.44 it replaces it, and a network mode with no such endpoint is refused.
    /// </summary>
    public static (MacRequest? Primary, string? Warning) FromConfig(ContainerConfig config, HostConfig hostConfig, ApiVersion version)
    {
        if (string.IsNullOrEmpty(config.MacAddress))
            return (null, null);
        string requested = config.MacAddress;
        bool hasEndpoint = hostConfig.NetworkMode is not ("none" or "host") && !hostConfig.NetworkMode.StartsWith("container:", StringComparison.Ordinal);
        if (version < new ApiVersion(1, 44))
        {
            if (!hasEndpoint)
                throw new InvalidArgumentException("conflicting options: mac-address and the network mode");
            return (new MacRequest(requested, OverridesEndpoint: true), null);
        }
        config.MacAddress = null;
        return (hasEndpoint ? new MacRequest(requested, OverridesEndpoint: false) : null, DeprecationWarning);
    }

    /// <summary>The primary endpoint's address once Config.MacAddress is accounted for (null: let the VCH choose).</summary>
    public static string? ForPrimary(string? endpointMac, MacRequest? fromConfig)
    {
        if (fromConfig is null)
            return endpointMac;
        if (fromConfig.OverridesEndpoint || string.IsNullOrEmpty(endpointMac))
            return fromConfig.Address;
        if (!string.Equals(Normalize(endpointMac), Normalize(fromConfig.Address), StringComparison.Ordinal))
            throw new InvalidArgumentException(
                "the container-wide MAC address should match the endpoint-specific MAC address for the main network or should be left empty");
        return endpointMac;
    }

    /// <summary>
    /// "02:42:ac:11:00:0a" in lower case. A NIC takes a 48-bit unicast address; Go's parser also reads '-' and dotted
    /// forms, so they are read here too. Anything else is refused with dockerd's words.
    /// </summary>
    public static string Normalize(string text)
    {
        var bytes = Parse(text);
        if (bytes is null || bytes.Length != 6 || (bytes[0] & 1) != 0)
            throw new InvalidArgumentException($"invalid MAC address {text}");
        return string.Join(':', bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    private static byte[]? Parse(string text)
    {
        string hex;
        if (text.Length == 17 && (text[2] == ':' || text[2] == '-'))
        {
            char separator = text[2];
            var groups = text.Split(separator);
            if (groups.Length != 6 || groups.Any(g => g.Length != 2))
                return null;
            hex = string.Concat(groups);
        }
        else if (text.Length == 14 && text[4] == '.' && text[9] == '.')
            hex = text.Replace(".", "", StringComparison.Ordinal);
        else
            return null;
        return hex.All(char.IsAsciiHexDigit) ? Convert.FromHexString(hex) : null;
    }
}
