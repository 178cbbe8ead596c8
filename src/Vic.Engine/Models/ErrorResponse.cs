using System.Text.Json.Serialization;

namespace Vic.Engine.Models;

/// <summary>The body of every error response: <c>{"message":"..."}</c>.</summary>
public sealed record ErrorResponse([property: JsonPropertyName("message")] string Message);
