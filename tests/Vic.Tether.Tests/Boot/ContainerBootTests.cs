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
