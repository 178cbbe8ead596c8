using Microsoft.Extensions.Logging;

namespace Vic.PortLayer.Qemu;

/// <summary>Source-generated log messages of the QEMU backend (one place, stable event IDs).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Container {Id} created ({Name})")]
    public static partial void ContainerCreated(ILogger logger, string id, string name);

    [LoggerMessage(2, LogLevel.Information, "Container {Id} started: QEMU pid {Pid}, accelerator {Accelerator}")]
    public static partial void VmStarted(ILogger logger, string id, int pid, string accelerator);

    [LoggerMessage(3, LogLevel.Information, "Container {Id} exited with code {ExitCode} {Error}")]
    public static partial void VmExited(ILogger logger, string id, int exitCode, string error);

    [LoggerMessage(4, LogLevel.Information, "Container {Id} re-adopted: QEMU pid {Pid} still running")]
    public static partial void VmAdopted(ILogger logger, string id, int pid);

    [LoggerMessage(5, LogLevel.Warning, "Removed half-created container directory {Directory}")]
    public static partial void HalfCreatedRemoved(ILogger logger, string directory);

    [LoggerMessage(6, LogLevel.Warning, "Container {Id} did not stop in time; forcing power-off ({How})")]
    public static partial void ForcedPowerOff(ILogger logger, string id, string how);

    [LoggerMessage(7, LogLevel.Information, "Layer {LayerId} written in {Milliseconds} ms")]
    public static partial void LayerWritten(ILogger logger, string layerId, long milliseconds);

    [LoggerMessage(8, LogLevel.Warning, "Layer {LayerId} failed: {Message}")]
    public static partial void LayerFailed(ILogger logger, string layerId, string message);

    [LoggerMessage(9, LogLevel.Information, "Accelerator: {Accelerator} ({Reason})")]
    public static partial void AcceleratorChosen(ILogger logger, string accelerator, string reason);

    [LoggerMessage(10, LogLevel.Information, "Created the empty base disk {Path}")]
    public static partial void BaseDiskCreated(ILogger logger, string path);

    [LoggerMessage(11, LogLevel.Error, "Exit watcher of container {Id} failed")]
    public static partial void WatcherFailed(ILogger logger, Exception exception, string id);

    [LoggerMessage(12, LogLevel.Error, "A StateChanged handler threw")]
    public static partial void StateChangedHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(13, LogLevel.Warning, "Skipping container directory {Directory}: {Message}")]
    public static partial void UnreadableContainer(ILogger logger, string directory, string message);

    [LoggerMessage(14, LogLevel.Information, "Container {Id} found stopped while the VCH was down; exit code {ExitCode}")]
    public static partial void ExitedWhileDown(ILogger logger, string id, int exitCode);

    [LoggerMessage(15, LogLevel.Information, "Bridge {Bridge} ({Gateway}) created in network namespace {Namespace}")]
    public static partial void BridgeCreated(ILogger logger, string bridge, string gateway, string @namespace);

    [LoggerMessage(16, LogLevel.Warning, "Could not remove tap {Tap} of container {Id}: {Message}")]
    public static partial void TapCleanupFailed(ILogger logger, string tap, string id, string message);

    [LoggerMessage(17, LogLevel.Information, "Container {Id} restarted at VCH startup by its restart policy ({Policy})")]
    public static partial void RestartAtStartup(ILogger logger, string id, string policy);

    [LoggerMessage(18, LogLevel.Warning, "Container {Id} could not be restarted by its restart policy: {Message}")]
    public static partial void RestartFailed(ILogger logger, string id, string message);

    [LoggerMessage(19, LogLevel.Information, "Created volume {Name} in store {Store} ({CapacityBytes} bytes)")]
    public static partial void VolumeCreated(ILogger logger, string name, string store, long capacityBytes);

    [LoggerMessage(20, LogLevel.Information, "Removed volume {Name}")]
    public static partial void VolumeRemoved(ILogger logger, string name);

    [LoggerMessage(21, LogLevel.Warning, "virtiofsd for {Directory} did not stop: {Message}")]
    public static partial void ShareStopFailed(ILogger logger, string directory, string message);

    [LoggerMessage(22, LogLevel.Information, "Container {Id} relaunched inside its VM by its restart policy (restart {RestartCount})")]
    public static partial void Relaunched(ILogger logger, string id, int restartCount);

    [LoggerMessage(23, LogLevel.Warning, "Container {Id}: the tether did not take the {What} control frame: {Message}")]
    public static partial void RelaunchFrameFailed(ILogger logger, string id, string what, string message);

    [LoggerMessage(24, LogLevel.Information, "Outbound TCP of {Count} network(s) in network namespace {Namespace} goes through the VCH's proxy on port {Port} (UDP relay port {UdpPort}, ICMP echo relayed: {Icmp})")]
    public static partial void OutboundSet(ILogger logger, string @namespace, int count, int port, int udpPort, bool icmp);

    [LoggerMessage(25, LogLevel.Warning, "Outbound UDP and ping from containers are unavailable in network namespace {Namespace} (only TCP leaves): {Reason}")]
    public static partial void OutboundRelaysUnavailable(ILogger logger, string @namespace, string reason);

    [LoggerMessage(40, LogLevel.Information, "Layer VM started for a run of layers on {Parent} in {Milliseconds} ms")]
    public static partial void LayerRunStarted(ILogger logger, string parent, long milliseconds);

    [LoggerMessage(41, LogLevel.Warning, "The layer VM of a run stopped being used ({Reason}); the run's other layers are applied one VM each")]
    public static partial void LayerRunAbandoned(ILogger logger, string reason);
}
