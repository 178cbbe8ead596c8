using System.Text.Json.Serialization;
using Vic.PortLayer.VSphere.Containers;
using Vic.PortLayer.VSphere.Storage;

namespace Vic.PortLayer.VSphere;

/// <summary>Source-generated JSON for what the backend stores (container records, layer metadata).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(LayerMeta))]
internal sealed partial class VSphereJson : JsonSerializerContext;
