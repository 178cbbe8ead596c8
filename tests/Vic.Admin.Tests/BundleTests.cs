using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Vic.Admin.Tests;

public sealed class BundleTests
{
    /// <summary>Reads a bundle into (path inside the top directory → text), checking there is one top directory.</summary>
    internal static Dictionary<string, string> Unpack(byte[] archive, bool zip)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        if (zip)
        {
            using var z = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
            foreach (var entry in z.Entries)
            {
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                files[entry.FullName] = reader.ReadToEnd();
            }
        }
        else
        {
            using var tar = new TarReader(new GZipStream(new MemoryStream(archive), CompressionMode.Decompress));
            while (tar.GetNextEntry() is { } entry)
            {
                using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
                files[entry.Name] = reader.ReadToEnd();
            }
        }
        string root = Assert.Single(files.Keys.Select(k => k[..k.IndexOf('/')]).Distinct());
        Assert.Matches("^vic-test-vch-[0-9]{8}T[0-9]{6}Z$", root);
        return files.ToDictionary(p => p.Key[(root.Length + 1)..], p => p.Value);
    }

    private static async Task<(byte[] Body, HttpResponseMessage Response)> DownloadAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsByteArrayAsync(), response);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_bundle_holds_daemon_log_config_health_and_every_containers_output_and_console(bool zip)
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        var (body, response) = await DownloadAsync(client, zip ? "/bundle.zip" : "/bundle.tar.gz");
        Assert.Equal(zip ? "application/zip" : "application/gzip", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches(zip ? "^attachment; filename=\"vic-test-vch-.*\\.zip\"$" : "^attachment; filename=\"vic-test-vch-.*\\.tar\\.gz\"$",
            response.Content.Headers.ContentDisposition!.ToString());
        var files = Unpack(body, zip);

        string web = $"containers/web-{AdminTestServer.RunningId[..12]}/", job = $"containers/job-{AdminTestServer.ExitedId[..12]}/";
        Assert.Equal(
            new[] { "manifest.json", "vch/command-line.txt", "vch/config/vch.json", "vch/health.txt", "vch/logs/vch.log",
                web + "console.log", web + "container.txt", web + "output.log", job + "container.txt", job + "output.log" }.Order(StringComparer.Ordinal),
            files.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("stdout: hello from web\nstdout: second line\n", files[web + "output.log"], StringComparison.Ordinal);
        Assert.Contains("stderr: a warning on stderr", files[web + "output.log"], StringComparison.Ordinal);
        Assert.Equal("stdout: job done\n", files[job + "output.log"]);
        Assert.Contains("Linux version 6.1.0-fake", files[web + "console.log"], StringComparison.Ordinal);
        Assert.Contains("VCH test started", files["vch/logs/vch.log"], StringComparison.Ordinal);
        Assert.Contains("Image: busybox:latest", files[web + "container.txt"], StringComparison.Ordinal);
        Assert.Contains("State: exited (3)", files[job + "container.txt"], StringComparison.Ordinal);
        Assert.Contains("Accelerator: none", files["vch/health.txt"], StringComparison.Ordinal);
        Assert.Contains("Containers: 2 (1 running, 1 exited)", files["vch/health.txt"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_manifest_lists_every_other_file_with_its_size_and_sha256()
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        var (body, _) = await DownloadAsync(client, "/bundle.zip");
        using var zip = new ZipArchive(new MemoryStream(body), ZipArchiveMode.Read);
        var bytes = zip.Entries.ToDictionary(e => e.FullName[(e.FullName.IndexOf('/') + 1)..], e =>
        {
            using var s = new MemoryStream();
            e.Open().CopyTo(s);
            return s.ToArray();
        });
        var manifest = JsonDocument.Parse(bytes["manifest.json"]).RootElement;
        Assert.Equal("test-vch", manifest.GetProperty("vch").GetString());
        Assert.Equal("9.8.7", manifest.GetProperty("version").GetString());
        var listed = manifest.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(bytes.Keys.Where(k => k != "manifest.json").Order(StringComparer.Ordinal), listed.Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        foreach (var file in listed)
        {
            byte[] content = bytes[file.GetProperty("name").GetString()!];
            Assert.Equal(content.Length, file.GetProperty("bytes").GetInt64());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), file.GetProperty("sha256").GetString());
            Assert.False(file.GetProperty("truncated").GetBoolean());
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_secret_leaves_in_the_bundle(bool zip)
    {
        await using var server = await AdminTestServer.StartAsync();
        using var client = await server.LoggedInClientAsync();
        var (body, _) = await DownloadAsync(client, zip ? "/bundle.zip" : "/bundle.tar.gz");
        var files = Unpack(body, zip);
        string all = string.Join("\n", files.Values);
        foreach (string secret in new[] { AdminTestServer.Token, AdminTestServer.ConfigPassword, "s3cr3t-url-pass", "flag-secret-value", "env-secret-value", "PRIVATE KEY-----\nM" })
            Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
        Assert.Contains("\"RegistryPassword\":\"********\"", files["vch/config/vch.json"], StringComparison.Ordinal);
        Assert.Contains("[private key removed]", files["vch/config/vch.json"], StringComparison.Ordinal);
        Assert.Contains("https://alice:********@registry.example", files["vch/logs/vch.log"], StringComparison.Ordinal);
        Assert.Contains("--registry-password ********", files["vch/command-line.txt"], StringComparison.Ordinal);
        Assert.Contains("Env: PASSWORD=********", files[$"containers/web-{AdminTestServer.RunningId[..12]}/container.txt"], StringComparison.Ordinal);
        Assert.Contains("Env: MODE=prod", files[$"containers/web-{AdminTestServer.RunningId[..12]}/container.txt"], StringComparison.Ordinal);
        // Where a secret is kept is not itself secret, and helps diagnosis.
        Assert.Contains("--admin-token-file " + server.TokenFile, files["vch/command-line.txt"], StringComparison.Ordinal);
        Assert.Contains(server.TokenFile, files["vch/config/vch.json"], StringComparison.Ordinal);
    }
}
