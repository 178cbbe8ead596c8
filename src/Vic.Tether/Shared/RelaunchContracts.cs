using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>How one launch of the container's process went: its pid, or why it could not start.</summary>
internal readonly record struct RunStart(int Pid, ExitReport? Failure);

/// <summary>The container's main process as the relaunch loop drives it (the real one in MainProcess.cs, fakes in tests).</summary>
internal interface IRelaunchTarget
{
    /// <summary>Launches the process once more in the same root. Called under the loop's lock, so a stop cannot slip
    /// between the decision to launch and the launch (it lands before, and nothing starts, or after, and reaches it).</summary>
    RunStart Launch();

    /// <summary>Relays the launched process's output until it ends, ends what it left behind, drains the output;
    /// returns Docker's exit code for it.</summary>
    int WaitForExit();
}

/// <summary>Where the loop reports each run: the log port (Started, and Exit for a run that is relaunched).</summary>
internal interface IRunRecords
{
    void Started(int pid, int run);

    void Exit(ExitReport report);
}

/// <summary>Monotonic time and an interruptible wait, so tests drive the back-off with a fake clock.</summary>
internal interface IRelaunchClock
{
    TimeSpan Now { get; }

    /// <summary>Waits <paramref name="delay"/>; false when <paramref name="cancel"/> fired first.</summary>
    bool Wait(TimeSpan delay, CancellationToken cancel);
}

/// <summary>What the control port may ask of the loop.</summary>
internal interface IRelaunchControl
{
    /// <summary>A stop or kill by the user: the process is never relaunched again in this VM; a back-off under way ends.</summary>
    void RequestStop();

    /// <summary>docker update --restart: the policy that decides from the next exit on.</summary>
    void UpdatePolicy(RestartPolicySpec policy);
}
