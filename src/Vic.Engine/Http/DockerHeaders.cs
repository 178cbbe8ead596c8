namespace Vic.Engine.Http;

/// <summary>The headers dockerd puts on every response; clients read Api-Version and Ostype to negotiate.</summary>
internal static class DockerHeaders
{
    public const string JsonContentType = "application/json";
    public const string RawStream = "application/vnd.docker.raw-stream";
    public const string MultiplexedStream = "application/vnd.docker.multiplexed-stream";

    public static IEnumerable<KeyValuePair<string, string>> For(EngineOptions options) =>
    [
        new("Api-Version", ApiVersion.Current.ToString()),
        new("Docker-Experimental", "false"),
        new("Ostype", "linux"),
        new("Server", $"Docker/{options.ProductVersion} (linux)"),
    ];
}
