using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vic.PortLayer;

namespace Vic.Engine.Http;

/// <summary>
/// The one place failures become HTTP statuses (STYLE 6): the port layer's closed error set mapped to the
/// codes dockerd uses for the same kinds of failure. Used by the HTTP pipeline and by hijacked connections.
/// </summary>
internal static class ErrorMapping
{
    public static (int Status, string Message) Map(Exception error) => error switch
    {
        NotFoundException e => (StatusCodes.Status404NotFound, e.Message),
        AlreadyExistsException e => (StatusCodes.Status409Conflict, e.Message),
        InvalidArgumentException e => (StatusCodes.Status400BadRequest, e.Message),
        ConflictException e => (StatusCodes.Status409Conflict, e.Message),
        // dockerd maps containerd's FailedPrecondition to 412.
        FailedPreconditionException e => (StatusCodes.Status412PreconditionFailed, e.Message),
        UnavailableException e => (StatusCodes.Status503ServiceUnavailable, e.Message),
        NotSupportedByBackendException e => (StatusCodes.Status501NotImplemented, e.Message),
        InternalException e => (StatusCodes.Status500InternalServerError, e.Message),
        UnauthorizedException e => (StatusCodes.Status401Unauthorized, e.Message),
        ForbiddenException e => (StatusCodes.Status403Forbidden, e.Message),
        // Kestrel's own request errors (bad framing, body too large) keep their status.
        BadHttpRequestException e => (e.StatusCode, e.Message),
        JsonException e => (StatusCodes.Status400BadRequest, "invalid JSON: " + e.Message),
        _ => (StatusCodes.Status500InternalServerError, error.Message),
    };
}
