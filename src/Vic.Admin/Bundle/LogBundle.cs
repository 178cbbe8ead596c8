using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Vic.Admin.Auth;
using Vic.Admin.Logs;

namespace Vic.Admin.Bundle;

/// <summary>
/// Gathers a log bundle: the daemon's logs, each container's output (as <c>docker logs</c> reads it) and the files
/// the backend keeps for diagnosis (console log), the VCH's configuration and command line, a health report, and a
/// manifest listing every file with its size and SHA-256. Every text goes through <see cref="SecretMasker"/> first.
/// Entries are produced one at a time so a large VCH does not need all its logs in memory at once.
/// </summary>
internal sealed class LogBundle(AdminOptions options, AdminSources sources, VchView view, TokenCheck tokens)
{
    /// <summary>Each file keeps at most its last 16 MiB: enough to diagnose, small enough to download.</summary>
    public const int MaxFileBytes = 16 << 20;

    public string Root(DateTimeOffset at) => $"vic-{options.VchName}-{at.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}";

    public async IAsyncEnumerable<BundleEntry> EntriesAsync(DateTimeOffset at, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var masker = new SecretMasker(tokens.CurrentSecrets());
        var listed = new List<ManifestItem>();
        await foreach (var entry in ContentAsync(masker, cancellationToken))
        {
            // The manifest needs names and digests, not the bytes: those go out with the entry.
            listed.Add(new ManifestItem(entry.Name, entry.Content.Length, Convert.ToHexStringLower(SHA256.HashData(entry.Content)), entry.Source, entry.Truncated));
            yield return entry;
        }
        yield return new BundleEntry("manifest.json", Manifest(at, listed), "vicadmin");
    }

    private async IAsyncEnumerable<BundleEntry> ContentAsync(SecretMasker masker, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var health = await view.HealthAsync(cancellationToken);
        yield return Text("vch/health.txt", "vicadmin", string.Join('\n', health.Lines().Select(l => $"{l.Label}: {l.Value}")) + "\n", masker);
        if (options.CommandLine.Count > 0)
            yield return Text("vch/command-line.txt", "the VCH daemon's arguments", string.Join(' ', options.CommandLine) + "\n", masker);
        foreach (string file in options.ConfigurationFiles.Where(File.Exists))
            yield return await FileAsync("vch/config/" + Path.GetFileName(file), file, masker, cancellationToken);
        foreach (string file in options.DaemonLogFiles.Where(File.Exists))
            yield return await FileAsync("vch/logs/" + Path.GetFileName(file), file, masker, cancellationToken);

        foreach (var container in await view.ContainersAsync(cancellationToken))
        {
            string dir = $"containers/{Safe(container.Name)}-{container.ShortId}/";
            yield return Text(dir + "container.txt", "port layer", Describe(container), masker);
            yield return await OutputAsync(dir + "output.log", container, masker, cancellationToken);
            foreach (var (name, path) in sources.DiagnosticFiles(container.Info).Where(f => File.Exists(f.Path)))
                yield return await FileAsync(dir + Safe(name), path, masker, cancellationToken);
        }
    }

    private async Task<BundleEntry> OutputAsync(string name, ContainerRow container, SecretMasker masker, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        try
        {
            await foreach (var line in OutputLines.ReadAsync(sources.Interaction, container.Id, tail: int.MaxValue, follow: false, cancellationToken))
                text.Append(line.Error ? "stderr: " : "stdout: ").Append(line.Text).Append('\n');
        }
        catch (Vic.PortLayer.NotFoundException)
        {
            text.Append("(the container was removed while the bundle was made)\n");
        }
        bool truncated = text.Length > MaxFileBytes;
        string content = truncated ? text.ToString(text.Length - MaxFileBytes, MaxFileBytes) : text.ToString();
        return new BundleEntry(name, Encoding.UTF8.GetBytes(masker.Apply(content)), "container output (interaction API)", truncated);
    }

    private static async Task<BundleEntry> FileAsync(string name, string path, SecretMasker masker, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long start = Math.Max(0, stream.Length - MaxFileBytes);
        stream.Seek(start, SeekOrigin.Begin);
        var buffer = new byte[stream.Length - start];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return new BundleEntry(name, Encoding.UTF8.GetBytes(masker.Apply(Encoding.UTF8.GetString(buffer))), path, start > 0);
    }

    private static BundleEntry Text(string name, string source, string text, SecretMasker masker) =>
        new(name, Encoding.UTF8.GetBytes(masker.Apply(text)), source);

    private static string Describe(ContainerRow c)
    {
        var s = c.Info.Spec;
        var text = new StringBuilder()
            .Append("ID: ").Append(c.Id).Append('\n')
            .Append("Name: ").Append(c.Name).Append('\n')
            .Append("Image: ").Append(c.Image).Append('\n')
            .Append("State: ").Append(c.StateText).Append('\n')
            .Append("Created: ").Append(c.Created.ToString("O")).Append('\n')
            .Append("Started: ").Append(c.StartedAt?.ToString("O") ?? "-").Append('\n')
            .Append("Error: ").Append(c.Info.Status.Error).Append('\n')
            .Append("Restarts: ").Append(c.Info.Status.RestartCount).Append('\n')
            .Append("Command: ").Append(string.Join(' ', s.Process.Args)).Append('\n')
            .Append("Memory: ").Append(s.MemoryBytes).Append(" bytes, CPUs: ").Append(s.Cpus).Append('\n')
            .Append("Location: ").Append(c.Info.Location).Append('\n');
        foreach (string env in s.Process.Env)
            text.Append("Env: ").Append(env).Append('\n');
        return text.ToString();
    }

    private byte[] Manifest(DateTimeOffset at, IReadOnlyList<ManifestItem> entries)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("vch", options.VchName);
            json.WriteString("version", options.Version);
            json.WriteString("created", at);
            json.WriteString("secrets", "passwords, tokens, private keys and URL credentials are replaced by " + SecretMasker.Mask);
            json.WriteNumber("maxFileBytes", MaxFileBytes);
            json.WriteStartArray("files");
            foreach (var e in entries)
            {
                json.WriteStartObject();
                json.WriteString("name", e.Name);
                json.WriteNumber("bytes", e.Bytes);
                json.WriteString("sha256", e.Sha256);
                json.WriteString("source", e.Source);
                json.WriteBoolean("truncated", e.Truncated);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private sealed record ManifestItem(string Name, long Bytes, string Sha256, string Source, bool Truncated);

    /// <summary>Container names are [a-zA-Z0-9_.-] already; this guards bundle paths against anything else.</summary>
    private static string Safe(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_').ToArray());
}
