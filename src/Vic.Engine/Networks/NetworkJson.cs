using System.Text.Json;
using System.Text.Json.Serialization;
using Vic.PortLayer;

namespace Vic.Engine.Networks;

/// <summary>Source-generated JSON of what the VCH stores about networks (not wire models).</summary>
[JsonSerializable(typeof(NetworkRecord))]
[JsonSerializable(typeof(List<EndpointRecord>))]
internal sealed partial class NetworkJson : JsonSerializerContext;

/// <summary>A container's endpoints travel in its annotations, stored with the VM like the rest of its Docker config.</summary>
internal static class NetworkAnnotations
{
    public const string Key = "docker.networks";

    public static List<EndpointRecord> Read(ContainerInfo info)
    {
        if (!info.Spec.Annotations.TryGetValue(Key, out var json))
            return [];
        try
        {
            return JsonSerializer.Deserialize(json, NetworkJson.Default.ListEndpointRecord) ?? [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    public static string Write(List<EndpointRecord> endpoints) => JsonSerializer.Serialize(endpoints, NetworkJson.Default.ListEndpointRecord);
}
