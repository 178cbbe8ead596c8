using Microsoft.Extensions.Logging;

namespace Vic.PortLayer.VSphere;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "vsphere backend: VCH {Vch} in pool {Pool}, image store {Root}, bridge {Bridge}")]
    public static partial void Ready(ILogger logger, string vch, string pool, string root, string bridge);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {Id} created as VM {Vm} ({Name})")]
    public static partial void ContainerCreated(ILogger logger, string id, string vm, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {Id} restarting by its {Policy} policy in {DelayMs} ms")]
    public static partial void ContainerRestarting(ILogger logger, string id, string policy, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "container {Id}: restart by policy failed: {Reason}")]
    public static partial void RestartFailed(ILogger logger, string id, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {Id} exited with {ExitCode} ({How})")]
    public static partial void ContainerExited(ILogger logger, string id, int exitCode, string how);

    [LoggerMessage(Level = LogLevel.Information, Message = "rebuilt {Containers} containers from the VMs in the pool ({Skipped} VMs skipped)")]
    public static partial void Rebuilt(ILogger logger, int containers, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "VM {Vm} in the pool has an unreadable container record: {Reason}")]
    public static partial void BadRecord(ILogger logger, string vm, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "removing leftover {What} {Path}")]
    public static partial void Leftover(ILogger logger, string what, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "power-state watch failed, watching again: {Reason}")]
    public static partial void WatchFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "handling a power change of VM {Vm} failed: {Reason}")]
    public static partial void PowerHandlerFailed(ILogger logger, string vm, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "a StateChanged subscriber failed for container {Id}")]
    public static partial void SubscriberFailed(ILogger logger, string id, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "layer {LayerId} written by applier VM {Vm} in {Milliseconds} ms")]
    public static partial void LayerWritten(ILogger logger, string layerId, string vm, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "layer {LayerId} failed: {Reason}")]
    public static partial void LayerFailed(ILogger logger, string layerId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cleanup of {What} failed: {Reason}")]
    public static partial void CleanupFailed(ILogger logger, string what, string reason);
}
