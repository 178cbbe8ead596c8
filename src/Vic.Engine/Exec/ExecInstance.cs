using Vic.Engine.Models;
using Vic.PortLayer;

namespace Vic.Engine.Exec;

/// <summary>
/// One docker exec: created, started at most once, then ended with an exit code. Kept in memory, as dockerd keeps
/// exec instances (they do not survive a VCH restart), until its container is removed.
/// </summary>
internal sealed class ExecInstance(string id, string containerId, ExecCreateRequest request, ExecSpec spec)
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Id { get; } = id;
    public string ContainerId { get; } = containerId;
    public ExecCreateRequest Request { get; } = request;
    public ExecSpec Spec { get; } = spec;
    public ExecPhase Phase { get; set; } = ExecPhase.Created;
    public int? ExitCode { get; set; }
    public int Pid { get; set; }

    /// <summary>Completes once the exit code is recorded (or the start failed without one).</summary>
    public Task Ended => _ended.Task;

    public void MarkEnded(int? exitCode)
    {
        lock (this)
        {
            ExitCode = exitCode;
            Phase = ExecPhase.Ended;
            Pid = 0;
        }
        _ended.TrySetResult();
    }

    /// <summary>The command line as dockerd shows it in events ("exec_start: sh -c ...").</summary>
    public string CommandLine => string.Join(' ', Spec.Args);

    public ExecInspect ToInspect()
    {
        lock (this)
        {
            return new ExecInspect
            {
                ID = Id,
                Running = Phase == ExecPhase.Running,
                ExitCode = ExitCode,
                ProcessConfig = new ExecProcessConfig
                {
                    Tty = Spec.Tty,
                    Entrypoint = Spec.Args[0],
                    Arguments = Spec.Args.Skip(1).ToList(),
                    Privileged = Request.Privileged,
                    User = Request.User ?? "",
                },
                OpenStdin = Request.AttachStdin,
                OpenStdout = Request.AttachStdout,
                OpenStderr = Request.AttachStderr,
                CanRemove = false,
                ContainerID = ContainerId,
                DetachKeys = Request.DetachKeys ?? "",
                Pid = Pid,
            };
        }
    }
}

internal enum ExecPhase
{
    Created,
    Starting,
    Running,
    Ended,
}
