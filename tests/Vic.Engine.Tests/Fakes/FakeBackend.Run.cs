using System.Text;
using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

// The fake's "processes": scripted behaviour per argv[0], driven by StartAsync.
internal sealed partial class FakeBackend
{
    public Task StartAsync(string id, CancellationToken cancellationToken)
    {
        var c = Get(id);
        var args = c.Info.Spec.Process.Args;
        lock (c)
        {
            if (c.State == ContainerRunState.Running)
                return Task.CompletedTask;
            // The tether reports a failed exec as an Exit before Started; the backend surfaces it from StartAsync.
            if (args[0].StartsWith("nosuch", StringComparison.Ordinal))
            {
                c.Info = c.Info with { Status = c.Info.Status with { ExitCode = 127, Error = "executable file not found" } };
                throw new InvalidArgumentException($"exec: \"{args[0]}\": executable file not found in $PATH");
            }
            if (args[0] == "noperm")
            {
                c.Info = c.Info with { Status = c.Info.Status with { ExitCode = 126 } };
                throw new InvalidArgumentException($"exec: \"{args[0]}\": permission denied");
            }
            c.Runs++;
            c.BootMemoryBytes = c.Info.Spec.MemoryBytes;
            c.StdinClosed = false;
            c.RunCancel = new CancellationTokenSource();
            c.Info = c.Info with
            {
                Status = c.Info.Status with
                {
                    State = ContainerRunState.Running,
                    Pid = 4242,
                    StartedAt = DateTimeOffset.UtcNow,
                    ExitCode = 0,
                    Error = "",
                    RestartCount = c.Runs - 1,
                },
            };
            c.Notify();
        }
        Raise(id, ContainerRunState.Running, 0);
        _ = Task.Run(() => RunScriptAsync(c, args, c.RunCancel.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task RunScriptAsync(FakeContainer c, IReadOnlyList<string> args, CancellationToken killed)
    {
        int exit = 0;
        try
        {
            switch (args[0])
            {
                case "echo":
                    Emit(c, OutputStream.Stdout, string.Join(' ', args.Skip(1)) + "\n");
                    break;
                case "both":
                    Emit(c, OutputStream.Stdout, "to-stdout\n");
                    Emit(c, OutputStream.Stderr, "to-stderr\n");
                    break;
                case "fail":
                    Emit(c, OutputStream.Stderr, "failing\n");
                    exit = int.Parse(args[1]);
                    break;
                case "sleep":
                    await Task.Delay(Timeout.Infinite, killed);
                    break;
                case "cat":
                    await CatAsync(c, killed);
                    break;
            }
        }
        catch (OperationCanceledException)
        {
            lock (c)
                exit = 128 + (c.Signals.Count > 0 ? c.Signals[^1] : 9);
        }
        Exit(c, exit);
    }

    /// <summary>Echoes stdin to stdout until stdin is closed.</summary>
    private static async Task CatAsync(FakeContainer c, CancellationToken killed)
    {
        int seen = 0;
        while (true)
        {
            Task changed;
            lock (c)
            {
                for (; seen < c.Stdin.Count; seen++)
                    EmitLocked(c, OutputStream.Stdout, c.Stdin[seen]);
                if (c.StdinClosed)
                    return;
                changed = c.Changed.Task;
            }
            await changed.WaitAsync(killed);
        }
    }

    private void Exit(FakeContainer c, int exitCode)
    {
        lock (c)
        {
            c.Info = c.Info with
            {
                Status = c.Info.Status with { State = ContainerRunState.Exited, ExitCode = exitCode, Pid = 0, FinishedAt = DateTimeOffset.UtcNow },
            };
            foreach (var (condition, waiter) in c.Waiters.Where(w => w.Condition != WaitCondition.Removed).ToList())
            {
                waiter.TrySetResult(new ContainerExit(exitCode, ""));
                c.Waiters.Remove((condition, waiter));
            }
            c.Notify();
        }
        Raise(c.Info.Spec.Id, ContainerRunState.Exited, exitCode);
    }

    public async Task StopAsync(string id, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var c = Get(id);
        if (c.State != ContainerRunState.Running)
            return;
        await KillAsync(id, c.Info.Spec.StopSignal, cancellationToken);
        await WaitAsync(id, WaitCondition.NotRunning, cancellationToken);
    }

    public Task KillAsync(string id, int signal, CancellationToken cancellationToken)
    {
        var c = Get(id);
        lock (c)
        {
            if (c.State != ContainerRunState.Running)
                throw new ConflictException($"Container {id} is not running");
            c.Signals.Add(signal);
            c.RunCancel?.Cancel();
        }
        return Task.CompletedTask;
    }

    public Task PauseAsync(string id, CancellationToken cancellationToken) => SetPaused(id, true);

    public Task UnpauseAsync(string id, CancellationToken cancellationToken) => SetPaused(id, false);

    private Task SetPaused(string id, bool pause)
    {
        var c = Get(id);
        lock (c)
        {
            if (pause && c.State == ContainerRunState.Paused)
                throw new ConflictException($"Container {id} is already paused");
            if (pause && c.State != ContainerRunState.Running)
                throw new ConflictException($"Container {id} is not running");
            if (!pause && c.State != ContainerRunState.Paused)
                throw new ConflictException($"Container {id} is not paused");
            c.Info = c.Info with { Status = c.Info.Status with { State = pause ? ContainerRunState.Paused : ContainerRunState.Running } };
            c.Notify();
        }
        Raise(id, pause ? ContainerRunState.Paused : ContainerRunState.Running, 0);
        return Task.CompletedTask;
    }

    private static void Emit(FakeContainer c, OutputStream stream, string text)
    {
        lock (c)
            EmitLocked(c, stream, Encoding.UTF8.GetBytes(text));
    }

    private static void EmitLocked(FakeContainer c, OutputStream stream, byte[] data)
    {
        var s = c.Info.Spec.Process.Tty ? OutputStream.Stdout : stream;
        c.Output.Add((c.Runs, new OutputChunk(s, DateTimeOffset.UtcNow, data)));
        c.Notify();
    }

    /// <summary>Appends output as if the container had written it (for logs tests).</summary>
    public void AddOutput(string id, OutputStream stream, string text, DateTimeOffset? time = null)
    {
        var c = Get(id);
        lock (c)
        {
            c.Output.Add((c.Runs, new OutputChunk(stream, time ?? DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(text))));
            c.Notify();
        }
    }
}
