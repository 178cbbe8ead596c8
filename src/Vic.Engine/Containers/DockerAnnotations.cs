using System.Text.Json;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>
/// The Docker config travels in ContainerSpec.Annotations, stored with the VM (DESIGN rule 3), so inspect
/// returns what the client gave even after a VCH restart. The port layer treats these values as opaque.
/// </summary>
internal static class DockerAnnotations
{
    public const string ConfigKey = "docker.config";
    public const string HostConfigKey = "docker.hostconfig";
    public const string ImageIdKey = "docker.image-id";

    public static Dictionary<string, string> Encode(ContainerConfig config, HostConfig hostConfig, string imageId) => new()
    {
        [ConfigKey] = JsonSerializer.Serialize(config, EngineJson.Default.ContainerConfig),
        [HostConfigKey] = JsonSerializer.Serialize(hostConfig, EngineJson.Default.HostConfig),
        [ImageIdKey] = imageId,
    };

    /// <summary>The container's annotations with its Docker config replaced; the others (its network endpoints...) kept,
    /// since the port layer stores the whole set as given.</summary>
    public static Dictionary<string, string> Replace(ContainerRecord c, HostConfig hostConfig)
    {
        var all = new Dictionary<string, string>(c.Info.Spec.Annotations);
        foreach (var (key, value) in Encode(c.Config, hostConfig, c.ImageId))
            all[key] = value;
        return all;
    }

    /// <summary>Decodes a container; one made without these annotations (or with damaged ones) gets a config rebuilt from its spec.</summary>
    public static ContainerRecord Decode(ContainerInfo info)
    {
        var a = info.Spec.Annotations;
        var config = TryRead(a, ConfigKey, EngineJson.Default.ContainerConfig) ?? FromSpec(info.Spec);
        var hostConfig = TryRead(a, HostConfigKey, EngineJson.Default.HostConfig)
            ?? new HostConfig { Memory = info.Spec.MemoryBytes, NanoCpus = info.Spec.Cpus * 1_000_000_000L };
        string imageId = a.TryGetValue(ImageIdKey, out var id) ? id : "";
        return new ContainerRecord(info, config, hostConfig, imageId);
    }

    private static T? TryRead<T>(IReadOnlyDictionary<string, string> annotations, string key, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (!annotations.TryGetValue(key, out var json))
            return null;
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static ContainerConfig FromSpec(ContainerSpec spec) => new()
    {
        Hostname = spec.Hostname,
        Domainname = spec.Domainname,
        User = spec.Process.User,
        Tty = spec.Process.Tty,
        OpenStdin = spec.Process.OpenStdin,
        StdinOnce = spec.Process.StdinOnce,
        Env = [.. spec.Process.Env],
        Cmd = [.. spec.Process.Args],
        WorkingDir = spec.Process.WorkingDir,
        Labels = [],
    };
}
