using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Vic.Tether.Protocol;
using Xunit.Abstractions;

namespace Vic.Tether.Tests.Boot;

/// <summary>
/// The VCH appliance image (scripts/build-appliance.sh) booted under QEMU the way vSphere would configure it: the
/// whole configuration in guestinfo keys (here through fw_cfg), the appliance disk read-only, a data disk, one NIC on
/// user-mode networking (restricted: nothing leaves the host) with the Docker API port forwarded to 127.0.0.1.
/// </summary>
[Collection(BootCollection.Name)]
public sealed class ApplianceBootTests(BootFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan PingDeadline = TimeSpan.FromMinutes(4);
    private const string Mac = "52:54:00:12:34:56";

    private static string ApplianceDir
    {
        get
        {
            string dir = Path.Combine(TestVm.RepoRoot, "out", "appliance");
            if (!File.Exists(Path.Combine(dir, "appliance.img")))
            {
                Assert.Fail($"appliance image missing at {dir}: build it with scripts/build-appliance.sh (scripts/build.sh runs it)");
            }
            return dir;
        }
    }

    private static VmSpec ApplianceSpec(IReadOnlyList<string> vchArgs, string dataDevice) => new()
    {
        Mode = VmMode.Appliance,
        Id = "vch-appliance-test",
        Hostname = "vch",
        HostTimeUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        RootDevice = "/dev/vda",
        // QEMU's user-mode network: guest 10.0.2.15, gateway 10.0.2.2, DNS 10.0.2.3.
        Interfaces = [new NetworkInterfaceSpec { Mac = Mac, Name = "eth0", Address = "10.0.2.15/24", Gateway = "10.0.2.2" }],
        Dns = new DnsSpec { Nameservers = ["10.0.2.3"] },
        Appliance = new ApplianceSpec { VchArgs = vchArgs, DataDevice = dataDevice },
    };

    [Fact]
    public async Task ApplianceAnswersPingAndTheDockerCliThroughAForwardedPort()
    {
        string dir = Path.Combine(fixture.WorkDir, "appliance");
        Directory.CreateDirectory(dir);
        string data = Path.Combine(dir, "data.img");
        using (FileStream file = File.Create(data))
        {
            file.SetLength(256L << 20);
        }
        Disks.Run("mkfs.ext4", "-q", "-F", "-L", "vic-data", data);
        int port = FreePort();
        // The seam for the vSphere backend: these arguments are all vic-vch gets, and they come from guestinfo.
        // Pointing it at a vCenter (the simulator) is a matter of the arguments once that backend exists.
        VmSpec spec = ApplianceSpec(
        [
            "--name", "appliance", "--datastore", "/var/lib/vic/datastore", "--socket", "/run/vic/docker.sock",
            "--container-base", "/opt/vic/container-base", "--network-namespace", "none", "--accelerator", "tcg",
            "--tcp", "0.0.0.0:2375",
        ], "/dev/vdb");

        await using var vm = ApplianceVm.Start(dir, spec, data, port);
        var ping = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string? answer = null;
        while (ping.Elapsed < PingDeadline && !vm.HasExited)
        {
            try
            {
                answer = await http.GetStringAsync($"http://127.0.0.1:{port}/_ping");
                break;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(500);
            }
        }
        Assert.True(answer == "OK", $"no /_ping answer within {PingDeadline.TotalSeconds} s.\n{vm.Describe()}");
        output.WriteLine($"QEMU start to /_ping OK: {ping.Elapsed.TotalSeconds:0.0} s");

        (int code, string stdout, string stderr) = Docker(port, "version", "--format", "{{.Server.Os}}/{{.Server.Arch}} API {{.Server.APIVersion}}");
        Assert.True(code == 0, $"docker version failed: {stderr}\n{vm.Describe()}");
        Assert.StartsWith("linux/amd64 API ", stdout.Trim());
        (code, stdout, stderr) = Docker(port, "info", "--format", "{{.Name}}");
        Assert.True(code == 0, $"docker info failed: {stderr}\n{vm.Describe()}");
        Assert.Equal("appliance", stdout.Trim());

        List<LogRecord> records = vm.Records();
        LogRecord started = records.First(r => r.Kind == LogRecordKind.Started);
        LogRecord serving = records.First(r => r.Kind == LogRecordKind.Stdout && Encoding.UTF8.GetString(r.Payload.Span).Contains("serving the Docker API on unix://", StringComparison.Ordinal));
        output.WriteLine($"vic-vch exec to \"serving the Docker API\" (guest clock): {(serving.TimestampUnixNanos - started.TimestampUnixNanos) / 1e9:0.0} s");
        foreach (System.Text.RegularExpressions.Match line in System.Text.RegularExpressions.Regex.Matches(vm.Console, @"\[\s*\d+\.\d+\] vic-tether: [^\n]*"))
        {
            output.WriteLine(line.Value);
        }
        // The data disk holds the datastore; the tether logged nothing unexpected.
        Assert.DoesNotContain(records, r => r.Kind == LogRecordKind.Tether);
    }

    [Fact]
    public async Task VchThatExitsIsStartedAgainAndEachExitIsLogged()
    {
        string dir = Path.Combine(fixture.WorkDir, "appliance-crash");
        Directory.CreateDirectory(dir);
        // A missing required option: vic-vch exits at once with 1, as a crash at start would.
        VmSpec spec = ApplianceSpec(["--name", "broken"], dataDevice: "");
        await using var vm = ApplianceVm.Start(dir, spec, dataDisk: null, FreePort());
        var deadline = Stopwatch.StartNew();
        string[] restarts = [];
        while (deadline.Elapsed < PingDeadline && !vm.HasExited)
        {
            restarts = [.. vm.Records().Where(r => r.Kind == LogRecordKind.Tether).Select(r => Encoding.UTF8.GetString(r.Payload.Span))
                .Where(t => t.StartsWith("vic-vch exited with 1 after ", StringComparison.Ordinal))];
            if (restarts.Length >= 2)
            {
                break;
            }
            await Task.Delay(1000);
        }
        Assert.True(restarts.Length >= 2, $"expected two logged restarts.\n{vm.Describe()}");
        Assert.EndsWith("; starting it again in 1 s", restarts[0]);
        Assert.EndsWith("; starting it again in 2 s", restarts[1]);
        List<LogRecord> records = vm.Records();
        Assert.True(records.Count(r => r.Kind == LogRecordKind.Started) >= 2);
        Assert.Contains("--datastore is required (unless --target selects vSphere)", string.Concat(records.Where(r => r.Kind == LogRecordKind.Stderr).Select(r => Encoding.UTF8.GetString(r.Payload.Span))));
        Assert.Contains("no data disk: /var/lib/vic is a tmpfs, the VCH's state ends with this boot",
            records.Where(r => r.Kind == LogRecordKind.Tether).Select(r => Encoding.UTF8.GetString(r.Payload.Span)));
    }

    private static (int Code, string Stdout, string Stderr) Docker(int port, params string[] args)
    {
        var psi = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-H");
        psi.ArgumentList.Add($"tcp://127.0.0.1:{port}");
        foreach (string arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("DOCKER_TLS_VERIFY");
        psi.Environment.Remove("DOCKER_CERT_PATH");
        using Process process = Process.Start(psi)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>One running appliance VM; disposing kills QEMU (an appliance never powers off by itself).</summary>
    private sealed class ApplianceVm : IAsyncDisposable
    {
        private readonly Process _qemu;
        private readonly StringBuilder _console = new();
        private readonly string _logPath;

        private ApplianceVm(Process qemu, string logPath)
        {
            _qemu = qemu;
            _logPath = logPath;
        }

        public bool HasExited => _qemu.HasExited;

        public string Console
        {
            get
            {
                lock (_console)
                {
                    return _console.ToString();
                }
            }
        }

        public static ApplianceVm Start(string dir, VmSpec spec, string? dataDisk, int hostPort)
        {
            string baseDir = ApplianceDir;
            string guestInfo = Path.Combine(dir, "guestinfo.vmx");
            File.WriteAllText(guestInfo, GuestInfoText.Format(GuestInfoSpec.Encode(spec)));
            string logPath = Path.Combine(dir, "log.bin");
            File.Delete(logPath);
            var psi = new ProcessStartInfo("qemu-system-x86_64") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            var args = new List<string>
            {
                "-M", "microvm,isa-serial=on,rtc=on", "-accel", "tcg", "-cpu", "max", "-m", "1024", "-smp", "2",
                "-nographic", "-no-reboot",
                "-kernel", Path.Combine(baseDir, "vmlinuz"), "-initrd", Path.Combine(baseDir, "initramfs.cpio"),
                "-append", TestVm.KernelCommandLine + " vic.debug",
                "-fw_cfg", $"name={Channels.GuestInfoFwCfgName},file={guestInfo}",
                "-device", "virtio-serial-device",
                "-chardev", $"file,id=vlog,path={logPath}",
                "-device", $"virtserialport,chardev=vlog,name={Channels.LogPort}",
                "-drive", $"id=app,file={Path.Combine(baseDir, "appliance.img")},format=raw,if=none,readonly=on",
                "-device", "virtio-blk-device,drive=app",
            };
            if (dataDisk is not null)
            {
                args.AddRange(["-drive", $"id=data,file={dataDisk},format=raw,if=none", "-device", "virtio-blk-device,drive=data"]);
            }
            // restrict=on: the guest reaches nothing outside; the forwarded port still comes in.
            args.AddRange(["-netdev", $"user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:{hostPort}-:2375",
                "-device", $"virtio-net-device,netdev=n0,mac={Mac}"]);
            foreach (string arg in args)
            {
                psi.ArgumentList.Add(arg);
            }
            Process qemu = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu");
            var vm = new ApplianceVm(qemu, logPath);
            qemu.OutputDataReceived += (_, e) => { lock (vm._console) { vm._console.AppendLine(e.Data); } };
            qemu.ErrorDataReceived += (_, e) => { lock (vm._console) { vm._console.AppendLine(e.Data); } };
            qemu.BeginOutputReadLine();
            qemu.BeginErrorReadLine();
            return vm;
        }

        public List<LogRecord> Records() => TestVm.ReadRecords(_logPath);

        public string Describe() => $"Records:\n{TestVm.Describe(Records())}\nConsole:\n{Console}";

        public async ValueTask DisposeAsync()
        {
            if (!_qemu.HasExited)
            {
                _qemu.Kill(entireProcessTree: true);
            }
            await _qemu.WaitForExitAsync();
            _qemu.Dispose();
        }
    }
}
