using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Vic.ImageC.Registry;

/// <summary>
/// Retry with exponential backoff and jitter for registry requests. Registries sit behind load balancers,
/// CDNs and object stores that drop connections, truncate bodies and answer 502/503/429 under load; one such
/// hiccup should not fail a pull of many layers, and backing off keeps us from hammering a struggling registry.
/// Failures that will not heal by retrying (connection refused, TLS failures, 4xx, digest mismatches) fail at once.
/// </summary>
internal static class RetryPolicy
{
    public static ResiliencePipeline Create(int maxRetries, TimeSpan baseDelay, TimeProvider time, ILogger logger)
    {
        if (maxRetries == 0)
        {
            return ResiliencePipeline.Empty;
        }
        return new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e)),
                MaxRetryAttempts = maxRetries,
                Delay = baseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    Log.RetryingRegistryRequest(logger, args.AttemptNumber + 1, args.RetryDelay, args.Outcome.Exception?.Message ?? "");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    public static bool IsTransient(Exception exception) => exception switch
    {
        TransientStatusException or TruncatedBodyException => true,
        HttpRequestException http => http.HttpRequestError switch
        {
            HttpRequestError.ConnectionError => !IsRefused(http),
            HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse => true,
            HttpRequestError.Unknown => http.InnerException is IOException or SocketException,
            _ => false,
        },
        HttpIOException => true,
        IOException { InnerException: SocketException } => true,
        _ => false,
    };

    public static bool IsRefused(Exception exception) =>
        exception is HttpRequestException { InnerException: SocketException { SocketErrorCode: SocketError.ConnectionRefused } };

    public static bool IsTransientStatus(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
}
