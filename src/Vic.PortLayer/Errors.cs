namespace Vic.PortLayer;

// The closed set of port-layer failures. The Docker API server maps each to one HTTP status in one place;
// the message is shown to users as-is, so it is written the way dockerd words the same failure.

/// <summary>Base of every failure the port layer reports on purpose.</summary>
public abstract class PortLayerException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The named object does not exist (HTTP 404).</summary>
public sealed class NotFoundException(string message) : PortLayerException(message);

/// <summary>An object with that name or ID exists already (HTTP 409).</summary>
public sealed class AlreadyExistsException(string message) : PortLayerException(message);

/// <summary>The request is malformed or names impossible values (HTTP 400).</summary>
public sealed class InvalidArgumentException(string message) : PortLayerException(message);

/// <summary>The object is in a state that forbids the operation, e.g. removing a running container (HTTP 409).</summary>
public sealed class ConflictException(string message) : PortLayerException(message);

/// <summary>A precondition of the operation is not met (HTTP 412 where dockerd uses it, else 409).</summary>
public sealed class FailedPreconditionException(string message) : PortLayerException(message);

/// <summary>The backend cannot serve now (hypervisor or datastore missing) (HTTP 503).</summary>
public sealed class UnavailableException(string message, Exception? inner = null) : PortLayerException(message, inner);

/// <summary>This backend does not implement the operation (HTTP 501).</summary>
public sealed class NotSupportedByBackendException(string message) : PortLayerException(message);

/// <summary>Something broke that the user cannot fix by changing the request (HTTP 500).</summary>
public sealed class InternalException(string message, Exception? inner = null) : PortLayerException(message, inner);

/// <summary>The caller's credentials were missing or refused, e.g. by a registry (HTTP 401).</summary>
public sealed class UnauthorizedException(string message) : PortLayerException(message);

/// <summary>Policy forbids the operation whatever the credentials, e.g. a registry outside the whitelist (HTTP 403).</summary>
public sealed class ForbiddenException(string message) : PortLayerException(message);
