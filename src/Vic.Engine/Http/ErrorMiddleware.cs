using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Vic.Engine.Models;

namespace Vic.Engine.Http;

/// <summary>
/// The single exception handler of the HTTP pipeline: routes throw, this writes <c>{"message":...}</c> with the
/// mapped status and <c>Content-Type: application/json</c> exactly, with a Content-Length as dockerd's small answers
/// have (docker-py checks the status of a streaming endpoint's answer only when it is not chunked). A failure after
/// the response began (a stream) can only abort the connection.
/// </summary>
internal sealed partial class ErrorMiddleware(RequestDelegate next, ILogger<ErrorMiddleware> log)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
        }
        catch (Exception error)
        {
            var (status, message) = ErrorMapping.Map(error);
            if (status >= StatusCodes.Status500InternalServerError)
                LogServerError(log, context.Request.Method, context.Request.Path, error);
            if (context.Response.HasStarted)
            {
                LogAbortedStream(log, context.Request.Path, message);
                context.Abort();
                return;
            }
            context.Response.StatusCode = status;
            context.Response.ContentType = DockerHeaders.JsonContentType;
            context.Response.ContentLength = null;
            if (!HttpMethods.IsHead(context.Request.Method))
                await DockerResults.WriteBodyAsync(context, DockerResults.JsonLine(new ErrorResponse(message), EngineJson.Default.ErrorResponse), CancellationToken.None);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void LogServerError(ILogger logger, string method, string path, Exception error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: stream ended by an error after it began: {Message}")]
    private static partial void LogAbortedStream(ILogger logger, string path, string message);
}
