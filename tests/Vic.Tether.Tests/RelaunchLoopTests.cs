using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

/// <summary>The tether's restart loop with a scripted process and a fake clock: which runs happen, the back-off each
/// waits, and the records written. No real time passes.</summary>
public sealed class RelaunchLoopTests
{
    private static RestartPolicySpec Policy(RelaunchMode mode, int max = 0) => new() { Mode = mode, MaximumRetryCount = max };

    /// <summary>Time only moves when a run "lasts" or a back-off is waited.</summary>
    private sealed class FakeClock : IRelaunchClock
    {
        public TimeSpan Now { get; set; }
        public List<TimeSpan> Waits { get; } = [];
        /// <summary>Called at the start of a wait (a stop "arriving" during the back-off).</summary>
        public Action<int>? DuringWait { get; set; }

        public bool Wait(TimeSpan delay, CancellationToken cancel)
        {
            Waits.Add(delay);
            DuringWait?.Invoke(Waits.Count);
            if (cancel.IsCancellationRequested)
                return false;
            Now += delay;
            return true;
        }
    }

    /// <summary>A process that exits with the scripted codes after the scripted run times.</summary>
    private sealed class ScriptedProcess(FakeClock clock, params (int Code, TimeSpan RunsFor)[] runs) : IRelaunchTarget
    {
        public int Launches { get; private set; }
        public Func<int, ExitReport?> FailLaunch { get; set; } = _ => null;
        public Action<int>? WhileRunning { get; set; }

        public RunStart Launch()
        {
            Launches++;
            return FailLaunch(Launches) is { } failure ? new RunStart(0, failure) : new RunStart(100 + Launches, null);
        }

        public int WaitForExit()
        {
            var (code, runsFor) = runs[Math.Min(Launches, runs.Length) - 1];
            WhileRunning?.Invoke(Launches);
            clock.Now += runsFor;
            return code;
        }
    }

    private sealed class Records : IRunRecords
    {
        public List<string> Lines { get; } = [];
        public void Started(int pid, int run) => Lines.Add($"started pid {pid} run {run}");
        public void Exit(ExitReport report) => Lines.Add($"exit {report.ExitCode} relaunch {report.RelaunchDelayMs}");
    }

    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(50);

    [Fact]
    public void OnFailureRelaunchesUpToItsLimitWritingAnExitAndAStartedPerRelaunch()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (3, Quick));
        var records = new Records();
        var loop = new RelaunchLoop(Policy(RelaunchMode.OnFailure, 2), priorRestarts: 0, clock);

        ExitReport last = loop.Run(process, records);

        Assert.Equal(3, last.ExitCode);
        Assert.Null(last.RelaunchDelayMs); // the final report: the VM powers off after it
        Assert.Equal(2, loop.Relaunches);
        Assert.Equal(
        [
            "started pid 101 run 1", "exit 3 relaunch 100",
            "started pid 102 run 2", "exit 3 relaunch 200",
            "started pid 103 run 3",
        ], records.Lines);
        Assert.Equal([TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)], clock.Waits);
    }

    [Fact]
    public void RestartsBeforeThisBootCountAgainstTheOnFailureLimit()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (1, Quick));
        var loop = new RelaunchLoop(Policy(RelaunchMode.OnFailure, 3), priorRestarts: 2, clock);
        loop.Run(process, new Records());
        Assert.Equal(2, process.Launches);
    }

    [Fact]
    public void OnFailureStopsAtASuccessfulExitAndNoPolicyNeverRelaunches()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (1, Quick), (0, Quick));
        Assert.Equal(0, new RelaunchLoop(Policy(RelaunchMode.OnFailure), 0, clock).Run(process, new Records()).ExitCode);
        Assert.Equal(2, process.Launches);

        foreach (RestartPolicySpec? none in new[] { null, Policy(RelaunchMode.No) })
        {
            var once = new ScriptedProcess(clock, (1, Quick));
            var records = new Records();
            Assert.Equal(1, new RelaunchLoop(none, 0, clock).Run(once, records).ExitCode);
            Assert.Equal(["started pid 101 run 1"], records.Lines);
        }
    }

    [Fact]
    public void TheBackOffDoublesToAMinuteAndStartsOverAfterARunOfTenSeconds()
    {
        var clock = new FakeClock();
        var runs = Enumerable.Repeat((0, Quick), 11).Append((0, TimeSpan.FromSeconds(10))).Append((0, Quick)).ToArray();
        var process = new ScriptedProcess(clock, runs);
        var loop = new RelaunchLoop(Policy(RelaunchMode.Always), 0, clock);
        // Always never ends by itself: a stop during the 13th back-off ends it.
        clock.DuringWait = n =>
        {
            if (n == 13)
                loop.RequestStop();
        };

        ExitReport last = loop.Run(process, new Records());

        Assert.Equal(0, last.ExitCode);
        Assert.Equal(13, process.Launches);
        long[] ms = clock.Waits.Select(w => (long)w.TotalMilliseconds).ToArray();
        Assert.Equal([100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 100, 200], ms);
    }

    [Fact]
    public void AStopWhileTheProcessRunsMeansNoRelaunchAndUnlessStoppedActsAsAlwaysOtherwise()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (143, Quick));
        var loop = new RelaunchLoop(Policy(RelaunchMode.UnlessStopped), 0, clock);
        process.WhileRunning = run =>
        {
            if (run == 3)
                loop.RequestStop();
        };
        var records = new Records();

        ExitReport last = loop.Run(process, records);

        Assert.Equal(143, last.ExitCode);
        Assert.Equal(3, process.Launches);
        Assert.Equal("started pid 103 run 3", records.Lines[^1]); // no Exit with a relaunch after the stopped run
    }

    [Fact]
    public void AStopDuringTheBackOffCancelsTheRelaunch()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (2, Quick));
        var loop = new RelaunchLoop(Policy(RelaunchMode.Always), 0, clock);
        clock.DuringWait = _ => loop.RequestStop();
        var records = new Records();

        ExitReport last = loop.Run(process, records);

        Assert.Equal(1, process.Launches);
        Assert.Equal(2, last.ExitCode);
        Assert.Null(last.RelaunchDelayMs);
        Assert.Equal(["started pid 101 run 1", "exit 2 relaunch 100"], records.Lines);
        Assert.Equal(0, loop.Relaunches);
    }

    [Fact]
    public void AFailedRelaunchEndsTheLoopWithItsReport()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (1, Quick))
        {
            FailLaunch = n => n == 2 ? new ExitReport { ExitCode = 127, Error = "exec: \"app\": executable file not found in $PATH" } : null,
        };
        var records = new Records();

        ExitReport last = new RelaunchLoop(Policy(RelaunchMode.Always), 0, clock).Run(process, records);

        Assert.Equal(127, last.ExitCode);
        Assert.Contains("executable file not found", last.Error);
        Assert.Equal(["started pid 101 run 1", "exit 1 relaunch 100"], records.Lines);
    }

    [Fact]
    public void APolicyUpdateAppliesFromTheNextExit()
    {
        var clock = new FakeClock();
        var process = new ScriptedProcess(clock, (1, Quick));
        var loop = new RelaunchLoop(Policy(RelaunchMode.Always), 0, clock);
        process.WhileRunning = run =>
        {
            if (run == 2)
                loop.UpdatePolicy(Policy(RelaunchMode.No));
        };

        loop.Run(process, new Records());

        Assert.Equal(2, process.Launches);
        Assert.Equal(1, loop.Relaunches);
    }

    [Fact]
    public void RestartPolicyAndRunNumbersTravelInTheSpecAndRecords()
    {
        var spec = new VmSpec { Mode = VmMode.Container, Id = "c", Restart = Policy(RelaunchMode.OnFailure, 2), RestartCount = 1 };
        string json = System.Text.Json.JsonSerializer.Serialize(spec, ProtocolJson.Default.VmSpec);
        Assert.Contains("\"Mode\":\"on-failure\"", json);
        VmSpec back = System.Text.Json.JsonSerializer.Deserialize(json, ProtocolJson.Default.VmSpec)!;
        Assert.Equal(Policy(RelaunchMode.OnFailure, 2), back.Restart);
        Assert.Equal(1, back.RestartCount);
        // Without a policy the spec is what tethers that predate restart policies read.
        string plain = System.Text.Json.JsonSerializer.Serialize(new VmSpec { Mode = VmMode.Container, Id = "c" }, ProtocolJson.Default.VmSpec);
        Assert.DoesNotContain("Restart", plain);

        byte[] frame = ControlFrame.ForRestartPolicy(Policy(RelaunchMode.UnlessStopped)).Encode();
        Assert.True(ControlFrame.TryReadHeader(frame.AsSpan(0, ControlFrame.HeaderLength), out ControlFrameKind kind, out uint session, out int length));
        Assert.Equal((ControlFrameKind.RestartPolicy, 0u), (kind, session));
        Assert.Equal(RelaunchMode.UnlessStopped,
            System.Text.Json.JsonSerializer.Deserialize(frame.AsSpan(ControlFrame.HeaderLength, length), ProtocolJson.Default.RestartPolicySpec)!.Mode);
        byte[] stop = ControlFrame.StopNoRelaunch().Encode();
        Assert.True(ControlFrame.TryReadHeader(stop, out kind, out _, out length));
        Assert.Equal((ControlFrameKind.StopNoRelaunch, 0), (kind, length));
    }
}
