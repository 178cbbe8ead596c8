using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Http;

/// <summary>
/// A Docker JSON message stream (pull, load). The response starts with the first message, so an operation that
/// fails before reporting anything (unknown repository) gets a normal error response with its status code;
/// a failure after that is written into the stream as <c>{"errorDetail":{...},"error":...}</c>, as dockerd does.
/// With <paramref name="errorsInStream"/> every failure goes into a 200 stream (dockerd's load answers so).
/// </summary>
internal sealed class JsonMessageStream(HttpContext context, bool errorsInStream = false)
{
    private readonly Channel<JsonMessage> _messages = Channel.CreateUnbounded<JsonMessage>(new UnboundedChannelOptions { SingleReader = true });

    public IProgress<ProgressMessage> Progress => new ChannelProgress(_messages.Writer);

    /// <summary>Queues a message of the engine's own (import's "Downloading from ..."), in order with the progress.</summary>
    public void Report(JsonMessage message) => _messages.Writer.TryWrite(message);

    /// <summary>Runs <paramref name="operation"/>, relaying its progress; the messages it returns are written last.</summary>
    public async Task RunAsync(Func<IProgress<ProgressMessage>, Task<IReadOnlyList<JsonMessage>>> operation)
    {
        var work = Task.Run(() => operation(Progress));
        _ = work.ContinueWith(_ => _messages.Writer.TryComplete(), TaskScheduler.Default);
        await foreach (var message in _messages.Reader.ReadAllAsync(context.RequestAborted))
            await WriteAsync(message);

        IReadOnlyList<JsonMessage> final;
        try
        {
            final = await work;
        }
        catch (Exception e) when ((context.Response.HasStarted || errorsInStream) && e is PortLayerException or IOException or InvalidDataException)
        {
            await WriteAsync(new JsonMessage { ErrorDetail = new ErrorDetail(e.Message), Error = e.Message });
            return;
        }
        foreach (var message in final)
            await WriteAsync(message);
        if (!context.Response.HasStarted)
            await StartAsync();
    }

    private async Task StartAsync()
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = DockerHeaders.JsonContentType;
        await context.Response.StartAsync(context.RequestAborted);
    }

    private async Task WriteAsync(JsonMessage message)
    {
        if (!context.Response.HasStarted)
            await StartAsync();
        await DockerResults.WriteJsonLineAsync(context.Response.Body, message, EngineJson.Default.JsonMessage, "\r\n", context.RequestAborted);
    }

    /// <summary>Maps imagec's progress to Docker's shape: layer lines carry progressDetail (empty when no numbers).</summary>
    public static JsonMessage FromProgress(ProgressMessage p) => p.Pushed is { } pushed
        ? new JsonMessage { ProgressDetail = new ProgressDetail(), Aux = new PushAux(pushed.Tag, pushed.Digest, pushed.Size) }
        : new()
    {
        Status = p.Status,
        Id = p.Id,
        ProgressDetail = p.Id is null ? null : new ProgressDetail { Current = p.Current, Total = p.Total },
        Progress = p is { Current: long current, Total: long total and > 0 } ? Bar(current, total) : null,
    };

    /// <summary>The cosmetic progress text ("[=====>    ] 1.2MB/3.4MB"); the CLI draws its own from progressDetail.</summary>
    internal static string Bar(long current, long total)
    {
        const int width = 50;
        int filled = (int)Math.Clamp(width * current / total, 0, width);
        string bar = filled >= width ? new string('=', width) : new string('=', filled) + ">" + new string(' ', width - filled - 1);
        return $"[{bar}] {Size(current)}/{Size(total)}";
    }

    private static string Size(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? $"{bytes}B" : value.ToString("0.##", CultureInfo.InvariantCulture) + units[unit];
    }

    private sealed class ChannelProgress(ChannelWriter<JsonMessage> writer) : IProgress<ProgressMessage>
    {
        public void Report(ProgressMessage value) => writer.TryWrite(FromProgress(value));
    }
}
