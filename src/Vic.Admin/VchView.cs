using System.Text.Json;
using Vic.PortLayer;

namespace Vic.Admin;

/// <summary>What vicadmin shows of the VCH, read fresh for every page from the port layer and the image store.</summary>
internal sealed class VchView(AdminOptions options, AdminSources sources, TimeProvider time)
{
    private readonly DateTimeOffset _started = time.GetUtcNow();

    public async Task<HealthReport> HealthAsync(CancellationToken cancellationToken)
    {
        var facts = await sources.Host.GetFactsAsync(cancellationToken);
        var containers = await sources.Containers.ListAsync(cancellationToken);
        var images = await sources.Images.ListAsync(cancellationToken);
        var byState = containers.GroupBy(c => c.Status.State).ToDictionary(g => g.Key, g => g.Count());
        return new HealthReport
        {
            VchName = options.VchName,
            Version = options.Version,
            Uptime = time.GetUtcNow() - _started,
            Backend = facts.Backend,
            Accelerator = facts.Accelerator,
            GuestKernel = facts.GuestKernelVersion,
            HostCpus = facts.Cpus,
            HostMemoryBytes = facts.MemoryBytes,
            DatastorePath = facts.DatastorePath,
            Datastore = DatastoreUsage.Measure(facts.DatastorePath),
            ApiEndpoints = options.ApiEndpoints,
            ContainersByState = Enum.GetValues<ContainerRunState>().ToDictionary(s => s, s => byState.GetValueOrDefault(s)),
            ContainerCount = containers.Count,
            ImageCount = images.Count,
            Warnings = facts.Warnings,
        };
    }

    public async Task<IReadOnlyList<ContainerRow>> ContainersAsync(CancellationToken cancellationToken) =>
        (await sources.Containers.ListAsync(cancellationToken)).OrderByDescending(c => c.Created).Select(Row).ToList();

    /// <summary>A container by full ID, unique ID prefix or name; null when there is none.</summary>
    public async Task<ContainerRow?> FindAsync(string idOrName, CancellationToken cancellationToken)
    {
        var all = await sources.Containers.ListAsync(cancellationToken);
        var match = all.FirstOrDefault(c => c.Spec.Id == idOrName) ?? all.FirstOrDefault(c => c.Spec.Name == idOrName);
        if (match is null && idOrName.Length >= 4)
        {
            var prefixed = all.Where(c => c.Spec.Id.StartsWith(idOrName, StringComparison.Ordinal)).ToList();
            match = prefixed.Count == 1 ? prefixed[0] : null;
        }
        return match is null ? null : Row(match);
    }

    private static ContainerRow Row(ContainerInfo info) => new(info.Spec.Id, info.Spec.Name, ImageOf(info), info.Status.State,
        info.Status.ExitCode, info.Created, info.Status.StartedAt, info);

    /// <summary>
    /// The image as the Docker client named it: the personality keeps its Docker config in the spec's annotations
    /// (opaque to the port layer); vicadmin reads only its "Image" field, and falls back to the image layer.
    /// </summary>
    internal static string ImageOf(ContainerInfo info)
    {
        if (info.Spec.Annotations.TryGetValue("docker.config", out string? json))
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Image", out var image) && image.ValueKind == JsonValueKind.String)
                    return image.GetString()!;
            }
            catch (JsonException)
            {
            }
        }
        return info.Spec.ImageLayerId is string layer ? "layer " + layer[..Math.Min(12, layer.Length)] : "(none)";
    }
}

internal sealed record ContainerRow(string Id, string Name, string Image, ContainerRunState State, int ExitCode, DateTimeOffset Created, DateTimeOffset? StartedAt, ContainerInfo Info)
{
    public string ShortId => Id[..Math.Min(12, Id.Length)];

    public string StateText => State switch
    {
        ContainerRunState.Exited => $"exited ({ExitCode})",
        _ => State.ToString().ToLowerInvariant(),
    };
}

internal sealed record HealthReport
{
    public required string VchName { get; init; }
    public required string Version { get; init; }
    public required TimeSpan Uptime { get; init; }
    public required string Backend { get; init; }
    public required string Accelerator { get; init; }
    public required string GuestKernel { get; init; }
    public required int HostCpus { get; init; }
    public required long HostMemoryBytes { get; init; }
    public required string DatastorePath { get; init; }
    public required DatastoreUsage Datastore { get; init; }
    public required IReadOnlyList<string> ApiEndpoints { get; init; }
    public required IReadOnlyDictionary<ContainerRunState, int> ContainersByState { get; init; }
    public required int ContainerCount { get; init; }
    public required int ImageCount { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The report as plain text lines (health page's content, and vch/health.txt in the bundle).</summary>
    public IEnumerable<(string Label, string Value)> Lines()
    {
        yield return ("VCH", VchName);
        yield return ("Version", Version);
        yield return ("Uptime", Format(Uptime));
        yield return ("Backend", Backend);
        yield return ("Accelerator", Accelerator);
        yield return ("Guest kernel", GuestKernel);
        yield return ("Host", $"{HostCpus} CPUs, {Bytes(HostMemoryBytes)} memory");
        yield return ("Datastore", DatastorePath);
        yield return ("Datastore files", Bytes(Datastore.DatastoreBytes) + " (apparent size of the files in it)");
        yield return ("Filesystem", $"{Bytes(Datastore.FilesystemUsedBytes)} used, {Bytes(Datastore.FilesystemFreeBytes)} free of {Bytes(Datastore.FilesystemTotalBytes)}");
        foreach (string endpoint in ApiEndpoints)
            yield return ("Docker API", endpoint);
        yield return ("Containers", $"{ContainerCount} ("
            + string.Join(", ", ContainersByState.Where(p => p.Value > 0).Select(p => $"{p.Value} {p.Key.ToString().ToLowerInvariant()}")) + ")");
        yield return ("Images", ImageCount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (string warning in Warnings)
            yield return ("Warning", warning);
    }

    public static string Format(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays}d {t.Hours}h {t.Minutes}m" : t.TotalHours >= 1 ? $"{t.Hours}h {t.Minutes}m {t.Seconds}s" : $"{t.Minutes}m {t.Seconds}s";

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : $"{value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} {units[unit]} ({bytes} bytes)";
    }
}
