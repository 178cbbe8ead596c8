using Vic.Tether.Protocol;

namespace Vic.PortLayer.Qemu.Containers;

/// <summary>
/// <see cref="IContainerExec"/>: sessions on the VM's control channel. A start returns once the tether answered
/// (running, or the reason it could not start), bounded by the launch timeout and by the container stopping.
/// </summary>
internal sealed class ContainerExec(QemuBackendOptions options, ContainerRegistry registry, VmRunner runner) : IContainerExec
{
    public async Task<IExecSession> StartAsync(string containerId, ExecSpec spec, CancellationToken cancellationToken)
    {
        ContainerEntry entry = registry.Get(containerId);
        if (spec.Args.Count == 0)
            throw new InvalidArgumentException("No exec command specified");
        if (spec.WorkingDir.Length > 0 && !spec.WorkingDir.StartsWith('/'))
            throw new InvalidArgumentException($"the working directory '{spec.WorkingDir}' is invalid, it needs to be an absolute path");
        Task<ContainerExit> stopped = entry.NextExit; // taken before the running check: a stop after it is seen
        ControlChannel channel = runner.ChannelFor(entry);
        var process = new ProcessSpec
        {
            Args = spec.Args,
            Env = spec.Env,
            WorkingDir = spec.WorkingDir,
            User = spec.User,
            Tty = spec.Tty,
            OpenStdin = spec.OpenStdin,
            Rows = spec.Rows,
            Columns = spec.Columns,
        };
        ExecSession session = await channel.StartExecAsync(process, cancellationToken);
        Task answered;
        try
        {
            answered = await Task.WhenAny(session.Started, stopped)
                .WaitAsync(options.LaunchReportTimeout, options.TimeProvider, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            await session.DisposeAsync();
            if (e is OperationCanceledException)
                throw;
            throw new InternalException($"container {containerId} did not answer the exec request within {options.LaunchReportTimeout.TotalSeconds:0} s");
        }
        if (answered != session.Started || session.EndedWithContainer)
        {
            await session.DisposeAsync();
            throw new ConflictException($"Container {containerId} is not running");
        }
        return session;
    }
}
