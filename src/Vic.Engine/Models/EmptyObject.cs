namespace Vic.Engine.Models;

/// <summary>Go's <c>struct{}</c>: Docker writes sets (ExposedPorts, Volumes) as maps to empty objects.</summary>
public sealed record EmptyObject;
