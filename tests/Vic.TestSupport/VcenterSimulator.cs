using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vic.TestSupport;

/// <summary>
/// Our vCenter simulator (tools/vcsim, govmomi's simulator built by scripts/build-vcsim.sh into out/vcsim/vcsim)
/// on a free 127.0.0.1 port with HTTPS. Starts in the constructor (an xunit class or collection fixture), reads
/// the one JSON line the simulator prints, and stops it on Dispose (closing its stdin, then killing it).
/// Every instance is a fresh inventory: one datacenter /DC0, one cluster of three hosts, one datastore.
/// </summary>
public sealed class VcenterSimulator : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly System.Text.StringBuilder _log = new();

    public VcenterSimulator() : this([])
    {
    }

    /// <summary>A simulator started with extra vcsim flags, e.g. "-session-timeout", "2s" or "-hosts", "5".</summary>
    public static VcenterSimulator Start(params string[] arguments) => new(arguments);

    private VcenterSimulator(IReadOnlyList<string> arguments)
    {
        string binary = Binary;
        if (!File.Exists(binary))
        {
            throw new FileNotFoundException($"{binary} is missing: run scripts/build-vcsim.sh (scripts/build.sh does)", binary);
        }
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (_log)
                {
                    _log.AppendLine(e.Data);
                }
            }
        };
        _process.BeginErrorReadLine();
        try
        {
            var line = _process.StandardOutput.ReadLineAsync().WaitAsync(StartTimeout).GetAwaiter().GetResult()
                ?? throw new InvalidOperationException($"vcsim exited with {(_process.WaitForExit(1000) ? _process.ExitCode : -1)} before describing itself: {Log}");
            Description = JsonSerializer.Deserialize<SimulatorDescription>(line)
                ?? throw new InvalidOperationException($"vcsim printed an unreadable description: {line}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>out/vcsim/vcsim of the repository these tests run from.</summary>
    public static string Binary
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "vic.slnx")))
                {
                    return Path.Combine(dir.FullName, "out", "vcsim", "vcsim");
                }
            }
            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    public SimulatorDescription Description { get; }

    /// <summary>The SDK URL, "https://127.0.0.1:port/sdk".</summary>
    public Uri Url => new(Description.Url);

    public string Username => Description.Username;

    public string Password => Description.Password;

    /// <summary>SHA-1 thumbprint of the simulator's self-signed certificate, colon-separated hex.</summary>
    public string Thumbprint => Description.Thumbprint;

    /// <summary>What the simulator wrote on stderr (its own log), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close(); // vcsim exits when stdin closes
                if (!_process.WaitForExit(5000))
                {
                    _process.Kill(entireProcessTree: true);
                    _process.WaitForExit(5000);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Already reaped.
        }
        _process.Dispose();
    }
}

/// <summary>The JSON line vcsim prints on start (see tools/vcsim/README.md).</summary>
public sealed record SimulatorDescription(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("username")] string Username,
    [property: JsonPropertyName("password")] string Password,
    [property: JsonPropertyName("thumbprint")] string Thumbprint,
    [property: JsonPropertyName("datacenter")] string Datacenter,
    [property: JsonPropertyName("cluster")] string? Cluster,
    [property: JsonPropertyName("clusters")] IReadOnlyList<string> Clusters,
    [property: JsonPropertyName("hosts")] IReadOnlyList<string> Hosts,
    [property: JsonPropertyName("datastore")] string Datastore,
    [property: JsonPropertyName("network")] string Network,
    [property: JsonPropertyName("portgroup")] string? Portgroup,
    [property: JsonPropertyName("pid")] int Pid);
