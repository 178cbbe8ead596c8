using Microsoft.AspNetCore.Http;
using Vic.Engine.Http;

namespace Vic.Engine.Hijack;

/// <summary>The query of POST /containers/{id}/attach.</summary>
internal sealed record AttachOptions(bool Stream, bool Logs, bool Stdin, bool Stdout, bool Stderr, DetachKeys DetachKeys)
{
    public static AttachOptions From(IQueryCollection query) => new(
        Stream: RequestValues.Bool(query, "stream"),
        Logs: RequestValues.Bool(query, "logs"),
        Stdin: RequestValues.Bool(query, "stdin"),
        Stdout: RequestValues.Bool(query, "stdout"),
        Stderr: RequestValues.Bool(query, "stderr"),
        DetachKeys: DetachKeys.Parse(RequestValues.String(query, "detachKeys")));
}
