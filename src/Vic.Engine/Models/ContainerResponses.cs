namespace Vic.Engine.Models;

/// <summary>201 answer of POST /containers/create.</summary>
public sealed record ContainerCreateResponse(string Id, List<string> Warnings);

/// <summary>Answer of POST /containers/{id}/wait. <see cref="Error"/> is null unless the container recorded one.</summary>
public sealed record ContainerWaitResponse(long StatusCode, WaitExitError? Error);

public sealed record WaitExitError(string Message);
