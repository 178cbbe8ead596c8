using Microsoft.Extensions.Logging;

namespace Vic.Vsphere;

/// <summary>The client's log messages. Arguments are method names, morefs and durations: never credentials or bodies.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} on {Target} took {Milliseconds:F1} ms")]
    public static partial void Call(ILogger logger, string method, ManagedObjectReference target, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} on {Target} failed after {Milliseconds:F1} ms: {FaultType}")]
    public static partial void CallFault(ILogger logger, string method, ManagedObjectReference target, double milliseconds, string faultType);

    [LoggerMessage(Level = LogLevel.Information, Message = "logged in to {Url} ({Product}) as {User}")]
    public static partial void LoggedIn(ILogger logger, Uri url, string product, string user);

    [LoggerMessage(Level = LogLevel.Warning, Message = "session on {Url} is no longer authenticated ({Method} refused); logging in again")]
    public static partial void Relogin(ILogger logger, Uri url, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "keep-alive on {Url} failed")]
    public static partial void KeepAliveFailed(ILogger logger, Uri url, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} on datastore {Datastore} took {Milliseconds:F1} ms ({Bytes} bytes)")]
    public static partial void Transfer(ILogger logger, string method, string path, string datastore, double milliseconds, long bytes);
}
