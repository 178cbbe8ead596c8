using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// PID 1 inherits every orphan, so one thread reaps all children. Processes the tether starts are forked
/// under the same lock that guards the status table, so a child that exits instantly is never missed.
/// </summary>
internal sealed unsafe class Reaper
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, TaskCompletionSource<int>> _watched = [];

    public Reaper()
    {
        var thread = new Thread(Loop) { IsBackground = true, Name = "reaper" };
        thread.Start();
    }

    /// <summary>Held by the launcher across fork + <see cref="WatchLocked"/>, so the child's exit is processed after it is watched.</summary>
    public Lock SyncRoot => _lock;

    /// <summary>Watches <paramref name="pid"/>; the task completes with its raw wait status. Call while holding <see cref="SyncRoot"/>.</summary>
    public Task<int> WatchLocked(int pid)
    {
        var completion = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _watched[pid] = completion;
        return completion.Task;
    }

    /// <summary>Docker's exit code for a wait status: the exit code, or 128 + the signal that killed it.</summary>
    public static int ExitCode(int status) => (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);

    private void Loop()
    {
        while (true)
        {
            int status;
            int pid = Libc.waitpid(-1, &status, 0);
            if (pid > 0)
            {
                lock (_lock)
                {
                    if (_watched.Remove(pid, out TaskCompletionSource<int>? completion))
                    {
                        completion.TrySetResult(status);
                    }
                }
                continue;
            }
            // ECHILD: nothing to reap yet. Sleep instead of spinning; a new child is picked up next round.
            if (Sys.LastErrno != Consts.EINTR)
            {
                Thread.Sleep(20);
            }
        }
    }
}
