using System.Diagnostics;
using Vic.TestSupport;

namespace Vic.PortLayer.VSphere.Tests;

/// <summary>
/// A real vic-vch (out/vch/vic-vch) whose backend is the simulator, selected with --target and the flags vic-machine
/// passes, serving the Docker API on a unix socket; a busybox image loaded through its layer store with the
/// applier VMs played by <see cref="ApplierGuest"/>. Everything is torn down at the end.
/// </summary>
public sealed class VchOnSimulator : IAsyncLifetime
{
    private readonly VcenterSimulator _simulator = new();
    private Process? _daemon;
    private readonly System.Text.StringBuilder _log = new();
    private ApplierGuest? _guest;

    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "vic-vs-" + Guid.NewGuid().ToString("N")[..8]);
    public string Socket => Path.Combine(Dir, "docker.sock");
    internal SimulatedVch Vch { get; private set; } = null!;

    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "vic.slnx")))
                    return dir.FullName;
            throw new InvalidOperationException("repository root not found");
        }
    }

    public string DaemonLog
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public async Task InitializeAsync()
    {
        string vch = Path.Combine(Root, "out", "vch", "vic-vch");
        if (!File.Exists(vch))
            throw new FileNotFoundException($"{vch} is missing: run scripts/build.sh");
        Directory.CreateDirectory(Dir);
        Vch = await SimulatedVch.CreateAsync(_simulator);
        _guest = new ApplierGuest(Vch.Client, Vch.Pool);
        var start = new ProcessStartInfo(vch)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["VIC_VSPHERE_PASSWORD"] = _simulator.Password },
        };
        foreach (string arg in DaemonArguments(_simulator, Vch, Dir))
            start.ArgumentList.Add(arg);
        _daemon = Process.Start(start)!;
        _daemon.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _daemon.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _daemon.BeginOutputReadLine();
        _daemon.BeginErrorReadLine();
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(Socket) && (await DockerAsync("version")).ExitCode == 0))
        {
            if (_daemon.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(120))
                throw new InvalidOperationException("vic-vch did not come up: " + DaemonLog);
            await Task.Delay(500);
        }
        string archive = Path.Combine(Dir, "busybox.tar");
        var image = await RunAsync("bash", [Path.Combine(Root, "scripts", "make-busybox-image.sh"), archive, "busybox:latest"]);
        Assert.True(image.ExitCode == 0, image.ToString());
        var load = await DockerAsync("load", "-i", archive);
        Assert.True(load.ExitCode == 0, $"docker load failed: {load}\n{DaemonLog}");
    }

    /// <summary>The vic-vch command line for a VCH on the simulator (also what bench/vsphere-create.sh passes).</summary>
    internal static IEnumerable<string> DaemonArguments(VcenterSimulator simulator, SimulatedVch vch, string dir) =>
    [
        "--name", vch.Name, "--socket", Path.Combine(dir, "docker.sock"), "--datastore", Path.Combine(dir, "local"),
        "--target", new Uri(simulator.Url, simulator.Description.Datacenter).ToString(), "--thumbprint", simulator.Thumbprint,
        "--user", simulator.Username, "--resource-pool", $"{simulator.Description.Cluster}/Resources/{vch.Name}",
        "--image-store", $"{vch.Datastore.Name}/vch-images", "--bridge-network", "VM Network",
        "--container-base", $"[{vch.Datastore.Name}] {SimulatedVch.BasePath}",
    ];

    public Task<CommandResult> DockerAsync(params string[] args) =>
        RunAsync("docker", args, new Dictionary<string, string> { ["DOCKER_HOST"] = "unix://" + Socket, ["DOCKER_CONFIG"] = Path.Combine(Dir, ".docker") });

    public async Task<string> OkAsync(params string[] args)
    {
        var result = await DockerAsync(args);
        Assert.True(result.ExitCode == 0, $"docker {string.Join(' ', args)} failed: {result}");
        return result.Stdout.Trim();
    }

    private static async Task<CommandResult> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 3 minutes");
        }
        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }

    public async Task DisposeAsync()
    {
        if (_daemon is { HasExited: false })
        {
            _daemon.Kill();
            await _daemon.WaitForExitAsync();
        }
        _daemon?.Dispose();
        if (_guest is not null)
            await _guest.DisposeAsync();
        if (Vch is not null)
            await Vch.DisposeAsync();
        _simulator.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
