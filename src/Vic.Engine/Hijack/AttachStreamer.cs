using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.Engine.Http;
using Vic.PortLayer;

namespace Vic.Engine.Hijack;

/// <summary>
/// Relays one attach: the container's output to the client (framed unless TTY) and the client's bytes to the
/// container's stdin. Used by the hijacked connection, Kestrel's own upgrade and the plain streaming form.
/// </summary>
internal sealed partial class AttachStreamer(PortLayerServices portLayer, StartFailures startFailures, ILogger<AttachStreamer> log)
{
    /// <summary>
    /// Begins reading output before the caller answers the client, so nothing written right after a start that
    /// follows the answer is missed (the CLI attaches, then starts).
    /// </summary>
    public AttachSession Begin(ContainerRecord container, AttachOptions options, CancellationToken cancellationToken)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, startFailures.Watch(container.Id));
        var read = new LogReadOptions
        {
            Stdout = options.Stdout,
            Stderr = options.Stderr,
            Follow = options.Stream,
            FromNow = !options.Logs,
            WaitForRun = options.Stream,
        };
        var output = options.Stdout || options.Stderr
            ? portLayer.Interaction.ReadOutputAsync(container.Id, read, cts.Token).GetAsyncEnumerator(cts.Token)
            : null;
        var first = output?.MoveNextAsync().AsTask() ?? Task.FromResult(false);
        return new AttachSession(container, options, cts, output, first);
    }

    /// <summary>Runs the relay until the output ends (container stopped), the client detaches or goes away.</summary>
    public async Task RunAsync(AttachSession session, Stream? input, Stream output)
    {
        var token = session.Cancellation.Token;
        var outputTask = PumpOutputAsync(session, output);
        var inputTask = input is not null && session.Options.Stdin && session.Container.Info.Spec.Process.OpenStdin
            ? PumpInputAsync(session, input, token)
            : Task.FromResult(InputEnd.NotAttached);
        try
        {
            if (await Task.WhenAny(outputTask, inputTask) == inputTask)
            {
                var end = await inputTask;
                LogInputEnded(log, session.Container.Id, end);
                // Only a closed stdin (docker run -i) keeps streaming until the container stops.
                if (end is InputEnd.StdinClosed or InputEnd.NotAttached)
                    await Quietly(outputTask);
            }
        }
        finally
        {
            await session.Cancellation.CancelAsync();
            await Quietly(outputTask);
            await Quietly(inputTask);
            await session.DisposeAsync();
        }
    }

    private async Task PumpOutputAsync(AttachSession session, Stream output)
    {
        var enumerator = session.Output;
        if (enumerator is null)
        {
            await Task.Delay(Timeout.Infinite, session.Cancellation.Token);
            return;
        }
        bool raw = session.Container.Tty;
        var token = session.Cancellation.Token;
        for (bool more = await session.FirstMove; more; more = await enumerator.MoveNextAsync())
        {
            var chunk = enumerator.Current;
            await StreamFraming.WriteAsync(output, chunk.Stream, chunk.Data, raw, token);
            await output.FlushAsync(token);
        }
    }

    private async Task<InputEnd> PumpInputAsync(AttachSession session, Stream input, CancellationToken token)
    {
        string id = session.Container.Id;
        var detach = session.Container.Tty ? session.Options.DetachKeys : null;
        var buffer = new byte[16 * 1024];
        var forward = new List<byte>();
        bool running = false;
        try
        {
            while (true)
            {
                int n = await input.ReadAsync(buffer, token);
                if (n == 0)
                {
                    if (!session.Container.Info.Spec.Process.StdinOnce || session.Container.Tty)
                        return InputEnd.ClientClosed;
                    running = running || await WaitUntilRunningAsync(id, token);
                    await portLayer.Interaction.CloseStdinAsync(id, token);
                    return InputEnd.StdinClosed;
                }
                forward.Clear();
                bool detached = detach?.Scan(buffer.AsSpan(0, n), forward) ?? false;
                if (detach is null)
                    forward.AddRange(buffer.AsSpan(0, n));
                if (forward.Count > 0)
                {
                    running = running || await WaitUntilRunningAsync(id, token);
                    await portLayer.Interaction.WriteStdinAsync(id, forward.ToArray(), token);
                }
                if (detached)
                    return InputEnd.Detached;
            }
        }
        catch (ConflictException)
        {
            // The process went away under us; its output still drains to the client.
            return InputEnd.StdinClosed;
        }
        catch (IOException)
        {
            return InputEnd.ClientClosed;
        }
    }

    /// <summary>Stdin typed before start (docker run -i) waits here until the container runs.</summary>
    private async Task<bool> WaitUntilRunningAsync(string id, CancellationToken token)
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnChange(object? sender, ContainerStateChanged e)
        {
            if (e.Id == id && e.State == ContainerRunState.Running)
                running.TrySetResult();
        }
        portLayer.Containers.StateChanged += OnChange;
        try
        {
            var info = await portLayer.Containers.InspectAsync(id, token);
            if (info.Status.State != ContainerRunState.Running)
                await running.Task.WaitAsync(token);
            return true;
        }
        finally
        {
            portLayer.Containers.StateChanged -= OnChange;
        }
    }

    /// <summary>Awaits a relay pump, swallowing the expected ways for it to stop (shared with exec).</summary>
    internal static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or PortLayerException)
        {
            // The session is over; these are the expected ways for its pumps to stop.
        }
    }

    internal enum InputEnd
    {
        NotAttached,
        StdinClosed,
        ClientClosed,
        Detached,
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "attach {Id}: input ended ({End})")]
    private static partial void LogInputEnded(ILogger logger, string id, InputEnd end);
}
