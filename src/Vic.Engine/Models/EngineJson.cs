using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>
/// Source-generated JSON for every wire model. Names are written as declared (Docker's PascalCase, with
/// explicit lowercase names where Docker uses them); reading is case-insensitive like Go's decoder, and
/// unknown request fields are tolerated because real clients send fields from newer API versions.
/// </summary>
[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true, ReadCommentHandling = JsonCommentHandling.Disallow)]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(ContainerCreateRequest))]
[JsonSerializable(typeof(HostConfig))]
[JsonSerializable(typeof(ContainerCreateResponse))]
[JsonSerializable(typeof(ContainerWaitResponse))]
[JsonSerializable(typeof(List<ContainerSummary>))]
[JsonSerializable(typeof(ContainerInspect))]
[JsonSerializable(typeof(List<ImageSummary>))]
[JsonSerializable(typeof(ImageInspect))]
[JsonSerializable(typeof(List<ImageHistoryItem>))]
[JsonSerializable(typeof(List<ImageDeleteResponseItem>))]
[JsonSerializable(typeof(ImagePruneResponse))]
[JsonSerializable(typeof(DistributionInspectResponse))]
[JsonSerializable(typeof(JsonMessage))]
[JsonSerializable(typeof(VersionResponse))]
[JsonSerializable(typeof(SystemInfo))]
[JsonSerializable(typeof(EventMessage))]
[JsonSerializable(typeof(ExecCreateRequest))]
[JsonSerializable(typeof(IdResponse))]
[JsonSerializable(typeof(ExecStartRequest))]
[JsonSerializable(typeof(ExecInspect))]
[JsonSerializable(typeof(ContainerTopResponse))]
[JsonSerializable(typeof(NetworkCreateRequest))]
[JsonSerializable(typeof(NetworkCreateResponse))]
[JsonSerializable(typeof(NetworkResource))]
[JsonSerializable(typeof(List<NetworkResource>))]
[JsonSerializable(typeof(List<EmptyObject>))]
[JsonSerializable(typeof(NetworkPruneResponse))]
[JsonSerializable(typeof(AuthConfig))]
[JsonSerializable(typeof(AuthResponse))]
[JsonSerializable(typeof(ContainerStatsResponse))]
[JsonSerializable(typeof(ContainerUpdateRequest))]
[JsonSerializable(typeof(ContainerUpdateResponse))]
[JsonSerializable(typeof(ContainerPruneResponse))]
[JsonSerializable(typeof(Volume))]
[JsonSerializable(typeof(VolumeListResponse))]
[JsonSerializable(typeof(VolumeCreateRequest))]
[JsonSerializable(typeof(VolumePruneResponse))]
[JsonSerializable(typeof(List<MountRequest>))]
[JsonSerializable(typeof(DiskUsage))]
public sealed partial class EngineJson : JsonSerializerContext;
