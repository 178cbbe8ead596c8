using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Vic.Engine.Containers;
using Vic.Engine.Events;
using Vic.Engine.Hijack;
using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Exec;

/// <summary>
/// docker exec for the personality: instances are created against a running container, started once (attached
/// over a hijacked connection, as a plain output stream, or detached), inspected and resized. The process runs in
/// the containerVM through the port layer's exec sessions.
/// </summary>
internal sealed partial class ExecService(
    PortLayerServices portLayer, ContainerResolver resolver, EventBroker events, ILogger<ExecService> log) : IHostedService
{
    private readonly ConcurrentDictionary<string, ExecInstance> _instances = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IExecSession> _sessions = new(StringComparer.Ordinal);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged += OnStateChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        portLayer.Containers.StateChanged -= OnStateChanged;
        return Task.CompletedTask;
    }

    // dockerd forgets a container's exec instances with the container.
    private void OnStateChanged(object? sender, ContainerStateChanged change)
    {
        if (change.State is ContainerRunState.Removing or ContainerRunState.Dead)
        {
            foreach (var instance in _instances.Values.Where(i => i.ContainerId == change.Id))
                _instances.TryRemove(instance.Id, out _);
        }
    }

    public async Task<string> CreateAsync(string containerName, ExecCreateRequest? request, CancellationToken cancellationToken)
    {
        var container = await resolver.ResolveAsync(containerName, cancellationToken);
        request ??= new ExecCreateRequest();
        EnsureAcceptsExec(container);
        if (request.Cmd is not { Count: > 0 })
            throw new InvalidArgumentException("No exec command specified");
        string workingDir = string.IsNullOrEmpty(request.WorkingDir) ? container.Config.WorkingDir ?? "" : request.WorkingDir;
        if (workingDir.Length > 0 && !workingDir.StartsWith('/'))
            throw new InvalidArgumentException($"the working directory '{workingDir}' is invalid, it needs to be an absolute path");
        foreach (string entry in request.Env ?? [])
        {
            if (entry.Length == 0 || entry.StartsWith('='))
                throw new InvalidArgumentException($"invalid environment variable: {entry}");
        }
        var spec = new ExecSpec
        {
            Args = request.Cmd,
            Env = request.Env ?? [],
            WorkingDir = workingDir,
            User = string.IsNullOrEmpty(request.User) ? container.Config.User ?? "" : request.User,
            Tty = request.Tty,
            OpenStdin = request.AttachStdin,
            Rows = request.ConsoleSize is [var rows, _] ? rows : (ushort)0,
            Columns = request.ConsoleSize is [_, var columns] ? columns : (ushort)0,
        };
        if (request.DetachKeys is { Length: > 0 } keys)
            DetachKeys.Parse(keys); // refused now, as dockerd refuses it at create
        string id = ContainerIds.New(); // dockerd draws exec IDs like container IDs
        var instance = new ExecInstance(id, container.Id, request, spec);
        _instances[id] = instance;
        events.Publish(container.Id, "exec_create: " + instance.CommandLine, new Dictionary<string, string> { ["execID"] = id });
        return id;
    }

    public ExecInspect Inspect(string execId) => Find(execId).ToInspect();

    /// <summary>
    /// Claims the instance for its one start, refusing what dockerd refuses (unknown, already started, container not
    /// running). Called before a hijacked connection is answered, so refusals reach the client as HTTP errors.
    /// </summary>
    public async Task<(ExecInstance Instance, ContainerRecord Container)> ClaimAsync(string execId, CancellationToken cancellationToken)
    {
        var instance = Find(execId);
        lock (instance)
        {
            if (instance.Phase == ExecPhase.Ended)
                throw new ConflictException($"Error: Exec command {instance.Id} has already run");
            if (instance.Phase != ExecPhase.Created)
                throw new ConflictException($"Error: Exec command {instance.Id} is already running");
            instance.Phase = ExecPhase.Starting;
        }
        try
        {
            var container = await resolver.ResolveAsync(instance.ContainerId, cancellationToken);
            EnsureAcceptsExec(container);
            return (instance, container);
        }
        catch
        {
            lock (instance)
                instance.Phase = ExecPhase.Created;
            throw;
        }
    }

    /// <summary>
    /// Runs a claimed instance. Attached (<paramref name="output"/> given): relays output (framed unless TTY) and
    /// <paramref name="input"/> to stdin until the process ends, the client detaches or goes away; returns after the
    /// exit code is recorded, so a client that inspects when the stream ends sees it. Detached: returns once running.
    /// </summary>
    public async Task RunAsync(ExecInstance instance, ExecStartRequest request, Stream? input, Stream? output)
    {
        var spec = instance.Spec;
        if (request.ConsoleSize is [var rows, var columns])
            spec = spec with { Rows = rows, Columns = columns };
        if (output is null)
            spec = spec with { OpenStdin = false };
        // Framing follows the start request's Tty, not the exec's (as dockerd does): a client that starts a TTY exec
        // with Tty false reads multiplexed frames.
        bool raw = request.Tty;
        IExecSession session;
        try
        {
            session = await portLayer.Exec.StartAsync(instance.ContainerId, spec, CancellationToken.None);
        }
        catch (PortLayerException e)
        {
            instance.MarkEnded(null);
            if (output is null)
                throw;
            await WriteQuietlyAsync(output, Encoding.UTF8.GetBytes(e.Message + "\r\n"), raw);
            return;
        }
        events.Publish(instance.ContainerId, "exec_start: " + instance.CommandLine, new Dictionary<string, string> { ["execID"] = instance.Id });
        if (session.Pid == 0)
        {
            // The tether could not start it: dockerd's wording for a runtime refusal, and the exit code the CLI reports.
            var failed = await session.Exited;
            await session.DisposeAsync();
            // dockerd keeps 127 (not found) and 126 (cannot be run) and gives any other failure to start 126 too.
            RecordExit(instance, failed.ExitCode is 126 or 127 ? failed.ExitCode : 126);
            string message = $"OCI runtime exec failed: exec failed: unable to start container process: {failed.Error}: unknown";
            if (output is null)
                throw new InvalidArgumentException(message);
            await WriteQuietlyAsync(output, Encoding.UTF8.GetBytes(message + "\r\n"), raw);
            return;
        }
        lock (instance)
        {
            instance.Phase = ExecPhase.Running;
            instance.Pid = session.Pid;
        }
        _sessions[instance.Id] = session;
        _ = RecordExitWhenEndedAsync(instance, session);
        if (output is null)
        {
            await session.DisposeAsync(); // detached: nobody reads the output
            return;
        }
        if (await RelayAsync(instance, session, spec, input, output, raw))
            await instance.Ended;
    }

    /// <summary>True when the output ended with the process; false when the client detached or went away.</summary>
    private static async Task<bool> RelayAsync(ExecInstance instance, IExecSession session, ExecSpec spec, Stream? input, Stream output, bool raw)
    {
        using var cts = new CancellationTokenSource();
        var outputTask = PumpOutputAsync(instance, session, output, raw, cts.Token);
        var inputTask = input is not null && spec.OpenStdin
            ? PumpInputAsync(instance, session, input, raw, cts.Token)
            : Task.FromResult(AttachStreamer.InputEnd.NotAttached);
        try
        {
            if (await Task.WhenAny(outputTask, inputTask) == inputTask
                && await inputTask is AttachStreamer.InputEnd.StdinClosed or AttachStreamer.InputEnd.NotAttached)
                await AttachStreamer.Quietly(outputTask);
            return outputTask.IsCompletedSuccessfully;
        }
        finally
        {
            await cts.CancelAsync();
            await AttachStreamer.Quietly(outputTask);
            await AttachStreamer.Quietly(inputTask);
            await session.DisposeAsync();
        }
    }

    private static async Task PumpOutputAsync(ExecInstance instance, IExecSession session, Stream output, bool raw, CancellationToken cancellationToken)
    {
        await foreach (var chunk in session.ReadOutputAsync(cancellationToken))
        {
            bool wanted = chunk.Stream == OutputStream.Stdout ? instance.Request.AttachStdout : instance.Request.AttachStderr;
            if (!wanted && !raw)
                continue;
            await StreamFraming.WriteAsync(output, chunk.Stream, chunk.Data, raw, cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
    }

    private static async Task<AttachStreamer.InputEnd> PumpInputAsync(ExecInstance instance, IExecSession session, Stream input, bool tty, CancellationToken cancellationToken)
    {
        var detach = tty ? DetachKeys.Parse(instance.Request.DetachKeys) : null;
        var buffer = new byte[16 * 1024];
        var forward = new List<byte>();
        try
        {
            while (true)
            {
                int n = await input.ReadAsync(buffer, cancellationToken);
                if (n == 0)
                {
                    await session.CloseStdinAsync(cancellationToken);
                    return AttachStreamer.InputEnd.StdinClosed;
                }
                forward.Clear();
                bool detached = detach?.Scan(buffer.AsSpan(0, n), forward) ?? false;
                if (detach is null)
                    forward.AddRange(buffer.AsSpan(0, n));
                if (forward.Count > 0)
                    await session.WriteStdinAsync(forward.ToArray(), cancellationToken);
                if (detached)
                    return AttachStreamer.InputEnd.Detached;
            }
        }
        catch (ConflictException)
        {
            return AttachStreamer.InputEnd.StdinClosed; // the process ended; its output still drains
        }
        catch (IOException)
        {
            return AttachStreamer.InputEnd.ClientClosed;
        }
    }

    private async Task RecordExitWhenEndedAsync(ExecInstance instance, IExecSession session)
    {
        var exit = await session.Exited;
        _sessions.TryRemove(instance.Id, out _);
        RecordExit(instance, exit.ExitCode);
    }

    private void RecordExit(ExecInstance instance, int exitCode)
    {
        instance.MarkEnded(exitCode);
        LogExecEnded(log, instance.Id, instance.ContainerId, exitCode);
        events.Publish(instance.ContainerId, "exec_die", new Dictionary<string, string>
        {
            ["execID"] = instance.Id,
            ["exitCode"] = exitCode.ToString(CultureInfo.InvariantCulture),
        });
    }

    public async Task ResizeAsync(string execId, ushort rows, ushort columns, CancellationToken cancellationToken)
    {
        var instance = Find(execId);
        IExecSession? session = instance.Phase == ExecPhase.Running ? _sessions.GetValueOrDefault(instance.Id) : null;
        if (session is null)
            throw new ConflictException($"Exec {instance.Id} is not running");
        await session.ResizeAsync(rows, columns, cancellationToken);
    }

    private ExecInstance Find(string execId) =>
        _instances.TryGetValue(execId, out var instance) ? instance : throw new NotFoundException($"No such exec instance: {execId}");

    private static void EnsureAcceptsExec(ContainerRecord container)
    {
        switch (container.State)
        {
            case ContainerRunState.Paused:
                throw new ConflictException($"Container {container.Id} is paused, unpause the container before exec");
            case ContainerRunState.Restarting:
                throw new ConflictException($"Container {container.Id} is restarting, wait until the container is running");
            case not ContainerRunState.Running:
                throw new ConflictException($"Container {container.Id} is not running");
        }
    }

    private static async Task WriteQuietlyAsync(Stream output, byte[] text, bool raw)
    {
        try
        {
            await StreamFraming.WriteAsync(output, OutputStream.Stdout, text, raw, CancellationToken.None);
            await output.FlushAsync();
        }
        catch (IOException)
        {
            // The client is gone; the exit code is recorded all the same.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "exec {ExecId} in {ContainerId} ended with {ExitCode}")]
    private static partial void LogExecEnded(ILogger logger, string execId, string containerId, int exitCode);
}
