using System.Text.Json.Serialization;
using Vic.PortLayer.Qemu.Containers;
using Vic.PortLayer.Qemu.Storage;

namespace Vic.PortLayer.Qemu;

/// <summary>Source-generated JSON for the backend's own files (config.json, meta.json); AOT-safe.</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerRecord))]
[JsonSerializable(typeof(LayerMeta))]
[JsonSerializable(typeof(VolumeMeta))]
internal sealed partial class QemuJson : JsonSerializerContext;
