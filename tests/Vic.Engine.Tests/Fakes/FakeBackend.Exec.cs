using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

// IContainerExec of the fake: scripted exec processes (echo, both, fail N, cat, sleep, nosuch*) that end with their container.
internal sealed partial class FakeBackend
{
    public List<ExecSpec> ExecStarts { get; } = [];

    public Task<IExecSession> StartAsync(string containerId, ExecSpec spec, CancellationToken cancellationToken)
    {
        var c = Get(containerId);
        lock (c)
        {
            if (c.State != ContainerRunState.Running)
                throw new ConflictException($"Container {containerId} is not running");
            ExecStarts.Add(spec);
        }
        var session = new FakeExecSession(spec);
        if (spec.Args[0].StartsWith("nosuch", StringComparison.Ordinal))
        {
            session.End(127, $"exec: \"{spec.Args[0]}\": executable file not found in $PATH");
            return Task.FromResult<IExecSession>(session);
        }
        if (spec.WorkingDir == "/no/such/dir")
        {
            // The runtime fails before the exec, as the tether reports a chdir failure (125).
            session.End(125, $"chdir to cwd (\"{spec.WorkingDir}\") set in config.json failed: no such file or directory");
            return Task.FromResult<IExecSession>(session);
        }
        session.Pid = 100 + ExecStarts.Count;
        _ = Task.Run(() => session.RunAsync(c.RunCancel?.Token ?? CancellationToken.None), CancellationToken.None);
        return Task.FromResult<IExecSession>(session);
    }

    internal sealed class FakeExecSession(ExecSpec spec) : IExecSession
    {
        private readonly Channel<OutputChunk> _output = Channel.CreateUnbounded<OutputChunk>();
        private readonly Channel<byte[]?> _stdin = Channel.CreateUnbounded<byte[]?>();
        private readonly TaskCompletionSource<ContainerExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Pid { get; set; }
        public Task<ContainerExit> Exited => _exited.Task;
        public (ushort Rows, ushort Columns)? Size { get; private set; }

        public async IAsyncEnumerable<OutputChunk> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var chunk in _output.Reader.ReadAllAsync(cancellationToken))
                yield return chunk;
        }

        public void End(int code, string error = "")
        {
            _output.Writer.TryComplete();
            _exited.TrySetResult(new ContainerExit(code, error));
        }

        private void Emit(OutputStream stream, string text) =>
            _output.Writer.TryWrite(new OutputChunk(spec.Tty ? OutputStream.Stdout : stream, DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(text)));

        public async Task RunAsync(CancellationToken containerStopped)
        {
            var args = spec.Args;
            try
            {
                switch (args[0])
                {
                    case "echo":
                        Emit(OutputStream.Stdout, string.Join(' ', args.Skip(1)) + "\n");
                        End(0);
                        break;
                    case "env":
                        Emit(OutputStream.Stdout, $"user={spec.User} dir={spec.WorkingDir} env={string.Join(',', spec.Env)}\n");
                        End(0);
                        break;
                    case "both":
                        Emit(OutputStream.Stdout, "to-stdout\n");
                        Emit(OutputStream.Stderr, "to-stderr\n");
                        End(0);
                        break;
                    case "fail":
                        End(int.Parse(args[1]));
                        break;
                    case "cat":
                        await foreach (var data in _stdin.Reader.ReadAllAsync(containerStopped))
                        {
                            if (data is null)
                                break;
                            Emit(OutputStream.Stdout, Encoding.UTF8.GetString(data));
                        }
                        End(0);
                        break;
                    default:
                        await Task.Delay(Timeout.Infinite, containerStopped);
                        break;
                }
            }
            catch (OperationCanceledException)
            {
                End(137);
            }
        }

        public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
        {
            if (!spec.OpenStdin || _exited.Task.IsCompleted)
                throw new ConflictException("the exec process has ended");
            _stdin.Writer.TryWrite(data.ToArray());
            return Task.CompletedTask;
        }

        public Task CloseStdinAsync(CancellationToken cancellationToken)
        {
            _stdin.Writer.TryWrite(null);
            return Task.CompletedTask;
        }

        public Task ResizeAsync(ushort rows, ushort columns, CancellationToken cancellationToken)
        {
            Size = (rows, columns);
            return Task.CompletedTask;
        }

        public List<int> Signals { get; } = [];

        /// <summary>A signal ends the fake process as the kernel would end a real one: 128 + signal.</summary>
        public Task SignalAsync(int signal, CancellationToken cancellationToken)
        {
            lock (Signals)
                Signals.Add(signal);
            End(128 + signal);
            return Task.CompletedTask;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
