using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests.Boot;

/// <summary>How a test hands the spec to the guest.</summary>
internal enum SpecDelivery
{
    FwCfgJson,
    FwCfgGuestInfo,
    None,
}

/// <summary>
/// Boots one containerVM the way the QEMU backend does (microvm, TCG, the container base, spec in fw_cfg, log port
/// to a file, optional control socket) and returns the log records. Mirrors the facts measured on this host;
/// the real backend lives in src/Vic.PortLayer.Qemu.
/// </summary>
internal static class TestVm
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The built container base, or a failure telling how to build it.</summary>
    public static string BaseDir
    {
        get
        {
            string dir = Path.Combine(RepoRoot, ".cache", "container-base", "current");
            if (!File.Exists(Path.Combine(dir, "vmlinuz")) || !File.Exists(Path.Combine(dir, "initramfs.cpio")))
            {
                Assert.Fail($"container base missing at {dir}: build it with scripts/build-container-base.sh");
            }
            return dir;
        }
    }

    /// <summary>
    /// The kernel command line. tsc_early_khz skips TSC calibration against the PIT, which fails under TCG on a
    /// loaded host and then hangs the boot; the guest TSC runs at the host's rate under TCG.
    /// </summary>
    public static string KernelCommandLine => $"console=ttyS0 panic=-1 tsc=reliable no_timer_check tsc_early_khz={HostTscKhz()} quiet";

    /// <param name="extraArgs">More QEMU arguments (NICs for the network tests).</param>
    /// <param name="debugConsole">Boot with vic.debug: the tether's timestamped progress lines land in <see cref="VmResult.Console"/>.</param>
    /// <param name="delivery">How the spec reaches the guest: fw_cfg JSON (the local backend), guestinfo pairs in fw_cfg
    /// (a VM configured the way vSphere configures one), or not at all.</param>
    /// <param name="pcMachine">Boot a PC machine with these -M options (e.g. "pc,vmport=on") instead of microvm; its
    /// virtio devices are PCI ones.</param>
    public static async Task<VmResult> RunAsync(string workDir, VmSpec spec, string rootDisk, string? tarDisk = null,
        Func<Socket, Task>? control = null, TimeSpan? timeout = null, bool controlPortWithoutHost = false,
        IReadOnlyList<string>? extraArgs = null, bool debugConsole = false, SpecDelivery delivery = SpecDelivery.FwCfgJson,
        string? pcMachine = null)
    {
        string specPath = Path.Combine(workDir, "spec.json");
        string logPath = Path.Combine(workDir, "log.bin");
        string socketPath = Path.Combine(workDir, "ctl.sock");
        File.WriteAllText(specPath, delivery == SpecDelivery.FwCfgGuestInfo
            ? GuestInfoText.Format(GuestInfoSpec.Encode(spec))
            : JsonSerializer.Serialize(spec, ProtocolJson.Default.VmSpec));
        File.Delete(logPath);

        var psi = new ProcessStartInfo("qemu-system-x86_64") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        List<string> arguments = Arguments(spec, rootDisk, tarDisk, specPath, logPath, control is null && !controlPortWithoutHost ? null : socketPath);
        int fwCfg = arguments.IndexOf("-fw_cfg");
        if (delivery == SpecDelivery.None)
        {
            arguments.RemoveRange(fwCfg, 2);
        }
        else if (delivery == SpecDelivery.FwCfgGuestInfo)
        {
            arguments[fwCfg + 1] = $"name={Channels.GuestInfoFwCfgName},file={specPath}";
        }
        if (pcMachine is not null)
        {
            arguments[arguments.IndexOf("-M") + 1] = pcMachine;
            for (int i = 0; i < arguments.Count; i++)
            {
                arguments[i] = arguments[i].Replace("virtio-serial-device", "virtio-serial-pci").Replace("virtio-blk-device", "virtio-blk-pci");
            }
        }
        if (debugConsole)
        {
            int append = arguments.IndexOf("-append") + 1;
            arguments[append] += " vic.debug";
        }
        arguments.AddRange(extraArgs ?? []);
        foreach (string arg in arguments)
        {
            psi.ArgumentList.Add(arg);
        }
        using Process qemu = Process.Start(psi) ?? throw new InvalidOperationException("cannot start qemu");
        var console = new StringBuilder();
        qemu.OutputDataReceived += (_, e) => { lock (console) { console.AppendLine(e.Data); } };
        qemu.ErrorDataReceived += (_, e) => { lock (console) { console.AppendLine(e.Data); } };
        qemu.BeginOutputReadLine();
        qemu.BeginErrorReadLine();

        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            if (control is not null)
            {
                using Socket socket = await ConnectAsync(socketPath, cts.Token);
                await control(socket);
                await qemu.WaitForExitAsync(cts.Token);
            }
            else
            {
                await qemu.WaitForExitAsync(cts.Token);
            }
        }
        catch (OperationCanceledException)
        {
            qemu.Kill(entireProcessTree: true);
            await qemu.WaitForExitAsync();
            Assert.Fail($"VM did not power off within {(timeout ?? DefaultTimeout).TotalSeconds} s. Console:\n{console}\nRecords:\n{Describe(ReadRecords(logPath))}");
        }
        finally
        {
            if (!qemu.HasExited)
            {
                qemu.Kill(entireProcessTree: true);
            }
        }
        qemu.WaitForExit();
        return new VmResult(ReadRecords(logPath), console.ToString(), qemu.ExitCode);
    }

    /// <summary>The full QEMU argument list; also what the tests report as "the command line".</summary>
    public static List<string> Arguments(VmSpec spec, string rootDisk, string? tarDisk, string specPath, string logPath, string? controlSocket)
    {
        string baseDir = BaseDir;
        var args = new List<string>
        {
            "-M", "microvm,isa-serial=on,rtc=on", "-accel", "tcg",
            // -cpu max gives the guest RDRAND, so its random pool is ready at once: without it the tether's and
            // the container's first getrandom() wait a second or more for entropy under TCG. ERMS/FSRM off as the
            // VCH does under TCG (rep movsb is emulated a byte at a time).
            "-cpu", "max,erms=off,fsrm=off", "-m", "256", "-smp", "1",
            "-nographic", "-no-reboot",
            "-kernel", Path.Combine(baseDir, "vmlinuz"),
            "-initrd", Path.Combine(baseDir, "initramfs.cpio"),
            "-append", KernelCommandLine,
            "-fw_cfg", $"name={Channels.SpecFwCfgName},file={specPath}",
            "-device", "virtio-serial-device",
            "-chardev", $"file,id=vlog,path={logPath}",
            "-device", $"virtserialport,chardev=vlog,name={Channels.LogPort}",
        };
        if (controlSocket is not null)
        {
            args.AddRange(["-chardev", $"socket,id=vctl,path={controlSocket},server=on,wait=off",
                "-device", $"virtserialport,chardev=vctl,name={Channels.ControlPort}"]);
        }
        args.AddRange(["-drive", $"id=root,file={rootDisk},format=qcow2,if=none", "-device", "virtio-blk-device,drive=root"]);
        if (tarDisk is not null)
        {
            args.AddRange(["-drive", $"id=tar,file={tarDisk},format=raw,if=none,readonly=on", "-device", "virtio-blk-device,drive=tar"]);
        }
        return args;
    }

    public static List<LogRecord> ReadRecords(string logPath) =>
        File.Exists(logPath) ? LogFraming.Decode(File.ReadAllBytes(logPath)) : [];

    public static string Describe(IEnumerable<LogRecord> records) =>
        string.Join('\n', records.Select(r => $"{r.Kind}: {Encoding.UTF8.GetString(r.Payload.Span)}"));

    private static async Task<Socket> ConnectAsync(string path, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (File.Exists(path))
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return socket;
                }
                catch (SocketException)
                {
                    socket.Dispose();
                }
            }
            await Task.Delay(20, cancellationToken);
        }
    }

    private static int HostTscKhz()
    {
        foreach (string line in File.ReadLines("/proc/cpuinfo"))
        {
            if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
            {
                return (int)(double.Parse(line[(line.IndexOf(':') + 1)..], CultureInfo.InvariantCulture) * 1000);
            }
        }
        return 2_000_000;
    }

    private static string FindRepoRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "vic.slnx")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (vic.slnx) above " + AppContext.BaseDirectory);
    }
}
