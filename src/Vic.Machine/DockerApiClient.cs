using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Serialization;

namespace Vic.Machine;

/// <summary>The few Docker API calls vic-machine needs (health, and stopping containers on delete --force), over the VCH's unix socket.</summary>
internal sealed class DockerApiClient : IDisposable
{
    private readonly HttpClient _http;

    public DockerApiClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://vch/v1.44/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await _http.GetAsync("_ping", cts.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<IReadOnlyList<ContainerSummary>> ListContainersAsync(CancellationToken cancellationToken) =>
        await _http.GetFromJsonAsync("containers/json?all=1", DockerJson.Default.ListContainerSummary, cancellationToken) ?? [];

    public async Task RemoveContainerAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync($"containers/{id}?force=1", cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
            throw new MachineException($"could not remove container {id}: {await response.Content.ReadAsStringAsync(cancellationToken)}", ExitCodes.Failure);
    }

    public void Dispose() => _http.Dispose();
}

internal sealed record ContainerSummary(string Id, IReadOnlyList<string> Names, string State)
{
    public ContainerNetworks? NetworkSettings { get; init; }

    /// <summary>The container's name without the leading '/', else its short ID.</summary>
    public string DisplayName => Names.FirstOrDefault()?.TrimStart('/') ?? Id[..Math.Min(12, Id.Length)];

    /// <summary>The networks it is connected to, by name (running or not).</summary>
    public IEnumerable<string> NetworkNames => NetworkSettings?.Networks?.Keys ?? Enumerable.Empty<string>();
}

internal sealed record ContainerNetworks(Dictionary<string, System.Text.Json.JsonElement>? Networks);

[JsonSerializable(typeof(List<ContainerSummary>))]
internal sealed partial class DockerJson : JsonSerializerContext;
