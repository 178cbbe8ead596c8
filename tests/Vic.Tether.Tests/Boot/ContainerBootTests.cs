using System.Net.Sockets;
using System.Text;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests.Boot;

[Collection(BootCollection.Name)]
public sealed class ContainerBootTests(BootFixture fixture)
{
    private const string Id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static VmSpec Spec(ProcessSpec process, string hostname = "") =>
        new() { Mode = VmMode.Container, Id = Id, Hostname = hostname, HostTimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Process = process };

    private async Task<VmResult> RunAsync(ProcessSpec process, Func<Socket, Task>? control = null, string hostname = "", bool controlPortWithoutHost = false)
    {
        (string dir, string disk) = fixture.NewRun();
        return await TestVm.RunAsync(dir, Spec(process, hostname), disk, control: control, controlPortWithoutHost: controlPortWithoutHost);
    }

    [Fact]
    public async Task StdoutStderrAndExitCodeComeBackAsRecords()
    {
        VmResult run = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "echo hello; echo err >&2; exit 3"] });
        Assert.True(run.HasStarted, run.ToString());
        Assert.Equal("hello\n", run.Stdout);
        Assert.Equal("err\n", run.Stderr);
        Assert.Equal(3, run.Exit.ExitCode);
        Assert.Null(run.Exit.Error);
        Assert.Equal(0, run.QemuExitCode);
        long[] stamps = run.Records.Select(r => r.TimestampUnixNanos).ToArray();
        Assert.Equal(stamps.Order(), stamps);
        Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(stamps[0] / 1_000_000), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    [Fact]
    public async Task EnvironmentHostnameAndWorkingDirectoryAreSet()
    {
        VmResult run = await RunAsync(new ProcessSpec
        {
            Args = ["sh", "-c", "echo $FOO $HOSTNAME $HOME; pwd; cat /etc/hostname; cat /proc/sys/kernel/hostname"],
            Env = ["FOO=bar"],
            WorkingDir = "/work/dir",
        }, hostname: "myhost", controlPortWithoutHost: true); // the VCH may be down: the control port has no host
        Assert.Equal("bar myhost /root\n/work/dir\nmyhost\nmyhost\n", run.Stdout);
        Assert.Equal(0, run.Exit.ExitCode);
    }

    [Fact]
    public async Task NumericAndNamedUsersGetTheirIdsAndGroups()
    {
        VmResult byId = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "id; echo $HOME"], User = "1000" });
        // Supplementary groups as runc sets them: the groups listing the user; busybox id prints exactly those.
        Assert.Equal("uid=1000(user) gid=1000(users) groups=2000(extra)\n/home/user\n", byId.Stdout);
        VmResult byName = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "id -u; id -g; id -G"], User = "user:root" });
        Assert.Equal("1000\n0\n0\n", byName.Stdout);
    }

    [Fact]
    public async Task UnknownUserExits126WithDockersMessage()
    {
        VmResult run = await RunAsync(new ProcessSpec { Args = ["id"], User = "nobodyx" });
        Assert.Equal(126, run.Exit.ExitCode);
        Assert.Equal("unable to find user nobodyx: no matching entries in passwd file", run.Exit.Error);
        Assert.False(run.HasStarted);
    }

    [Fact]
    public async Task MissingOrUnrunnableExecutablesExit127And126()
    {
        VmResult missing = await RunAsync(new ProcessSpec { Args = ["foo"] });
        Assert.Equal(127, missing.Exit.ExitCode);
        Assert.Equal("exec: \"foo\": executable file not found in $PATH", missing.Exit.Error);
        VmResult directory = await RunAsync(new ProcessSpec { Args = ["/etc"] });
        Assert.Equal(126, directory.Exit.ExitCode);
        Assert.Equal("exec: \"/etc\": permission denied", directory.Exit.Error);
    }

    [Fact]
    public async Task StdinFramesReachTheProcessAndCloseEndsIt()
    {
        VmResult run = await RunAsync(new ProcessSpec { Args = ["cat"], OpenStdin = true }, async socket =>
        {
            await socket.SendAsync(new ControlFrame(ControlFrameKind.Stdin, 0, "hello "u8.ToArray()).Encode());
            await socket.SendAsync(new ControlFrame(ControlFrameKind.Stdin, 0, "world\n"u8.ToArray()).Encode());
            await socket.SendAsync(new ControlFrame(ControlFrameKind.StdinClose, 0, Array.Empty<byte>()).Encode());
        });
        Assert.Equal("hello world\n", run.Stdout);
        Assert.Equal(0, run.Exit.ExitCode);
    }

    [Fact]
    public async Task ExecSessionsRunBesideTheMainProcessWithTheirOwnStreams()
    {
        var sessions = new Dictionary<uint, ExecTranscript>();
        VmResult run = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "read x; echo main-done"], OpenStdin = true, Env = ["FROM_IMAGE=1"] }, async socket =>
        {
            await socket.SendAsync(ControlFrame.ExecStart(7, new ProcessSpec
            {
                Args = ["sh", "-c", "echo out $FROM_IMAGE $EXTRA; echo err >&2; pwd; exit 4"],
                Env = ["EXTRA=x"],
                WorkingDir = "/tmp",
            }).Encode());
            await socket.SendAsync(ControlFrame.ExecStart(8, new ProcessSpec { Args = ["no-such-binary"] }).Encode());
            await socket.SendAsync(ControlFrame.ExecStart(9, new ProcessSpec { Args = ["sh", "-c", "cat; id -u"], OpenStdin = true, User = "1000:1000" }).Encode());
            await socket.SendAsync(new ControlFrame(ControlFrameKind.Stdin, 9, "to-exec\n"u8.ToArray()).Encode());
            await socket.SendAsync(new ControlFrame(ControlFrameKind.StdinClose, 9, Array.Empty<byte>()).Encode());
            await socket.SendAsync(ControlFrame.ExecStart(10, new ProcessSpec { Args = ["sh", "-c", "id -u; tty; stty size"], Tty = true, Rows = 30, Columns = 90 }).Encode());
            await ReadExecFramesAsync(socket, sessions, until: [7, 8, 9, 10]);
            await socket.SendAsync(new ControlFrame(ControlFrameKind.Stdin, 0, "go\n"u8.ToArray()).Encode());
        });
        Assert.Equal(0, run.Exit.ExitCode);
        Assert.Equal("main-done\n", run.Stdout); // exec output never reaches the container's log

        Assert.True(sessions[7].Pid > 1);
        Assert.Equal("out 1 x\n/tmp\n", sessions[7].Stdout);
        Assert.Equal("err\n", sessions[7].Stderr);
        Assert.Equal(4, sessions[7].Exit!.ExitCode);

        Assert.Equal(0, sessions[8].Pid);
        Assert.Equal(127, sessions[8].Exit!.ExitCode);
        Assert.Equal("exec: \"no-such-binary\": executable file not found in $PATH", sessions[8].Exit!.Error);

        Assert.True(sessions[9].Exit!.Error is null, sessions[9].Exit!.Error);
        Assert.Equal("to-exec\n1000\n", sessions[9].Stdout);
        Assert.Equal(0, sessions[9].Exit!.ExitCode);

        Assert.Matches(@"^0\r\n/dev/pts/\d+\r\n30 90\r\n$", sessions[10].Stdout);
        Assert.Equal("", sessions[10].Stderr);
    }

    [Fact]
    public async Task ExecSessionsEndWhenTheMainProcessEnds()
    {
        var sessions = new Dictionary<uint, ExecTranscript>();
        VmResult run = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "read x; exit 0"], OpenStdin = true }, async socket =>
        {
            await socket.SendAsync(ControlFrame.ExecStart(3, new ProcessSpec { Args = ["sleep", "300"] }).Encode());
            await ReadExecFramesAsync(socket, sessions, until: [], startedOf: 3);
            await socket.SendAsync(new ControlFrame(ControlFrameKind.StdinClose, 0, Array.Empty<byte>()).Encode());
            await ReadExecFramesAsync(socket, sessions, until: [3]);
        });
        Assert.Equal(0, run.Exit.ExitCode);
        Assert.Equal(137, sessions[3].Exit!.ExitCode);
    }

    private sealed class ExecTranscript
    {
        public int Pid;
        public string Stdout = "";
        public string Stderr = "";
        public ExitReport? Exit;
    }

    /// <summary>Reads guest-to-host frames until every listed session has exited (or <paramref name="startedOf"/> runs).</summary>
    private static async Task ReadExecFramesAsync(Socket socket, Dictionary<uint, ExecTranscript> sessions, uint[] until, uint? startedOf = null)
    {
        var header = new byte[ControlFrame.HeaderLength];
        using var stream = new NetworkStream(socket, ownsSocket: false);
        while (!until.All(s => sessions.TryGetValue(s, out var t) && t.Exit is not null)
            && !(startedOf is uint wanted && sessions.TryGetValue(wanted, out var w) && w.Pid > 0))
        {
            await stream.ReadExactlyAsync(header);
            Assert.True(ControlFrame.TryReadHeader(header, out var kind, out uint session, out int length), "valid frame header");
            var payload = new byte[length];
            await stream.ReadExactlyAsync(payload);
            var transcript = sessions.TryGetValue(session, out var t) ? t : sessions[session] = new ExecTranscript();
            switch (kind)
            {
                case ControlFrameKind.ExecStdout: transcript.Stdout += Encoding.UTF8.GetString(payload); break;
                case ControlFrameKind.ExecStderr: transcript.Stderr += Encoding.UTF8.GetString(payload); break;
                case ControlFrameKind.ExecStarted: transcript.Pid = System.Text.Json.JsonSerializer.Deserialize(payload, ProtocolJson.Default.StartedReport)!.Pid; break;
                case ControlFrameKind.ExecExit: transcript.Exit = System.Text.Json.JsonSerializer.Deserialize(payload, ProtocolJson.Default.ExitReport); break;
                default: Assert.Fail($"unexpected {kind} frame from the guest"); break;
            }
        }
    }

    [Fact]
    public async Task SignalFrameKillsTheProcess()
    {
        VmResult run = await RunAsync(new ProcessSpec { Args = ["sleep", "100"] }, async socket =>
            await socket.SendAsync(ControlFrame.Signal(9).Encode()));
        Assert.True(run.HasStarted, run.ToString());
        Assert.Equal(137, run.Exit.ExitCode);
    }

    [Fact]
    public async Task ResizeFrameChangesTheTerminalSize()
    {
        // The shell waits for a line of input, so the resize (sent first, handled in order) lands before stty runs.
        VmResult run = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "read x; stty size"], Tty = true, OpenStdin = true, Rows = 24, Columns = 80 },
            async socket =>
            {
                await socket.SendAsync(ControlFrame.Resize(40, 120).Encode());
                await socket.SendAsync(new ControlFrame(ControlFrameKind.Stdin, 0, "go\r"u8.ToArray()).Encode());
            });
        Assert.EndsWith("40 120\r\n", run.Stdout);
        Assert.Equal(0, run.Exit.ExitCode);
    }

    [Fact]
    public async Task TetherFailureEndsTheVmWithExit125()
    {
        (string dir, string disk) = fixture.NewRun();
        VmSpec spec = Spec(new ProcessSpec { Args = ["true"] }) with { RootDevice = "/dev/vdz" };
        VmResult run = await TestVm.RunAsync(dir, spec, disk);
        Assert.Equal(125, run.Exit.ExitCode);
        Assert.Equal("root device /dev/vdz did not appear", run.Exit.Error);
    }

    [Fact]
    public async Task TtyGivesAControllingTerminalWithTheRequestedSize()
    {
        VmResult run = await RunAsync(new ProcessSpec { Args = ["sh", "-c", "tty; stty size; echo $TERM"], Tty = true, Rows = 33, Columns = 101 });
        Assert.Equal("/dev/pts/0\r\n33 101\r\nxterm\r\n", run.Stdout);
        Assert.Equal("", run.Stderr);
        Assert.Equal(0, run.Exit.ExitCode);
    }
}
