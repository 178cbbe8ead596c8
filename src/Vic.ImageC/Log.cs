using Microsoft.Extensions.Logging;

namespace Vic.ImageC;

internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Registry request failed, retry {Attempt} in {Delay}: {Reason}")]
    public static partial void RetryingRegistryRequest(ILogger logger, int attempt, TimeSpan delay, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Insecure registry {Registry} does not answer HTTPS ({Reason}); using plain HTTP")]
    public static partial void FallingBackToHttp(ILogger logger, string registry, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Stored image {ImageId} ({Reference})")]
    public static partial void ImageStored(ILogger logger, string imageId, string reference);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Removed image {ImageId}")]
    public static partial void ImageRemoved(ILogger logger, string imageId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "Keeping layer {LayerId}: {Reason}")]
    public static partial void LayerKept(ILogger logger, string layerId, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Could not delete temporary files in {Path}: {Reason}")]
    public static partial void TempCleanupFailed(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Registry mirror {Mirror} failed for {Reference}, trying the next: {Reason}")]
    public static partial void MirrorFailed(ILogger logger, string mirror, string reference, string reason);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Pushed {Reference} ({Digest})")]
    public static partial void ImagePushed(ILogger logger, string reference, string digest);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Resuming blob {Digest} at byte {Offset} of {Size}")]
    public static partial void ResumingBlob(ILogger logger, string digest, long offset, long size);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Registry did not resume blob {Digest} at byte {Offset} ({Answer}); downloading it again from the start")]
    public static partial void ResumeRefused(ILogger logger, string digest, long offset, string answer);
}
