using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Playwright;

namespace Vic.Integration.Tests;

/// <summary>
/// vicadmin in a real browser: Debian's chromium, headless, driven by Playwright, against the VCH of the collection
/// with a real containerVM. Screenshots of every page are kept in TestResults/vicadmin/ at the repository root,
/// with the two bundles as the browser downloaded them.
/// </summary>
[Collection("vch")]
public sealed class VicAdminBrowserTests(VchFixture vch)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Artifacts = Path.Combine(RepoPaths.Root, "TestResults", "vicadmin");

    [Fact]
    public async Task Log_in_see_a_running_container_follow_its_log_and_download_both_bundles()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is missing: scripts/install-prereqs.sh installs Debian's chromium");
        Assert.False(string.IsNullOrEmpty(vch.AdminUrl), "vic-machine create printed no vicadmin URL");
        Directory.CreateDirectory(Artifacts);
        string token = (await File.ReadAllTextAsync(vch.AdminTokenFile)).Trim();

        const string name = "vicadmin-web";
        await vch.DockerAsync("rm", "-f", name);
        string id = await vch.OkAsync("run", "-d", "--name", name, "busybox", "sh", "-c",
            "echo hello-from-vicadmin; i=0; while true; do i=$((i+1)); echo tick $i; sleep 1; done");
        try
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                // Trust exactly the VCH's server key (its CA is private), rather than ignoring certificate errors.
                Args = ["--ignore-certificate-errors-spki-list=" + ServerKeyPin()],
            });
            await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { AcceptDownloads = true, ViewportSize = new() { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();

            // Not logged in: the login page with 401 and nothing of the VCH.
            var first = await page.GotoAsync(vch.AdminUrl);
            Assert.Equal(401, first!.Status);
            Assert.DoesNotContain(name, await page.ContentAsync(), StringComparison.Ordinal);
            await Shot(page, "01-login");

            await page.FillAsync("#token", "not-the-token");
            await page.ClickAsync("#login");
            Assert.Contains("not valid", await page.TextContentAsync("#message"), StringComparison.Ordinal);
            await Shot(page, "02-bad-token");

            await page.FillAsync("#token", token);
            await page.ClickAsync("#login");
            await page.WaitForSelectorAsync("#health");
            string health = await page.InnerTextAsync("#health");
            Assert.Contains(vch.Name, health, StringComparison.Ordinal);
            Assert.Contains("Accelerator", health, StringComparison.Ordinal);
            Assert.Contains(vch.DatastorePath, health, StringComparison.Ordinal);
            Assert.Contains("running", health, StringComparison.Ordinal);
            await Shot(page, "03-health");

            await page.ClickAsync("nav >> text=Containers");
            var row = page.Locator($"tr[data-id='{id}']");
            await row.WaitForAsync();
            Assert.Contains(name, await row.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("running", await row.InnerTextAsync(), StringComparison.Ordinal);
            Assert.Contains("busybox", await row.InnerTextAsync(), StringComparison.Ordinal);
            await Shot(page, "04-containers");

            await row.Locator("a.log").ClickAsync();
            await page.WaitForFunctionAsync("() => document.getElementById('log').textContent.includes('hello-from-vicadmin')");
            await page.WaitForFunctionAsync("() => document.getElementById('follow').textContent === 'following'");
            // Live: a tick written after the page was opened arrives without a reload.
            int seen = await LastTick(page);
            await page.WaitForFunctionAsync($"() => /tick {seen + 2}\\b/.test(document.getElementById('log').textContent)", null, new() { Timeout = 60_000 });
            await Shot(page, "05-container-log");

            await page.ClickAsync("nav >> text=VCH log");
            await page.WaitForFunctionAsync("() => document.getElementById('log').textContent.includes('serving vicadmin')");
            await Shot(page, "06-vch-log");

            string zip = await Download(page, "Log bundle (.zip)", "bundle.zip");
            string tgz = await Download(page, "Log bundle (.tar.gz)", "bundle.tar.gz");
            foreach (var files in new[] { ReadZip(zip), ReadTarGz(tgz) })
                CheckBundle(files, id, name, token);

            await page.ClickAsync("#logout");
            await page.WaitForSelectorAsync("#token");
            var after = await page.GotoAsync(vch.AdminUrl + "containers");
            Assert.Equal(401, after!.Status);
            await Shot(page, "07-logged-out");
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
        }
    }

    private void CheckBundle(Dictionary<string, string> files, string id, string name, string token)
    {
        string dir = $"containers/{name}-{id[..12]}/";
        foreach (string expected in new[] { "manifest.json", "vch/health.txt", "vch/logs/vch.log", "vch/config/vch.json", "vch/command-line.txt",
                     dir + "output.log", dir + "console.log", dir + "container.txt" })
            Assert.True(files.ContainsKey(expected), $"the bundle lacks {expected}; it has {string.Join(", ", files.Keys)}");
        Assert.Contains("stdout: hello-from-vicadmin", files[dir + "output.log"], StringComparison.Ordinal);
        // The guest kernel's serial console (it boots quiet: warnings only, each with its kernel timestamp).
        Assert.Matches(@"^\[\s*\d+\.\d+\] ", files[dir + "console.log"]);
        Assert.Contains("serving vicadmin", files["vch/logs/vch.log"], StringComparison.Ordinal);
        Assert.Contains($"\"Name\": \"{vch.Name}\"", files["vch/config/vch.json"], StringComparison.Ordinal);
        foreach (var (file, text) in files)
        {
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY-----\nM", text, StringComparison.Ordinal);
        }
    }

    private string ServerKeyPin()
    {
        using var server = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(vch.Directory, "certs", "server-cert.pem")));
        return Convert.ToBase64String(SHA256.HashData(server.PublicKey.ExportSubjectPublicKeyInfo()));
    }

    private static async Task<int> LastTick(IPage page)
    {
        string log = await page.TextContentAsync("#log") ?? "";
        var ticks = System.Text.RegularExpressions.Regex.Matches(log, @"tick (\d+)");
        return ticks.Count == 0 ? 0 : int.Parse(ticks[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Shot(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Artifacts, name + ".png"), FullPage = true });

    private static async Task<string> Download(IPage page, string link, string file)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync($"nav >> text={link}"));
        string path = Path.Combine(Artifacts, file);
        await download.SaveAsAsync(path);
        Assert.Matches(@"^vic-.*-\d{8}T\d{6}Z\.(zip|tar\.gz)$", download.SuggestedFilename);
        return path;
    }

    /// <summary>Paths below the bundle's single top directory → text.</summary>
    private static Dictionary<string, string> ReadZip(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        return Strip(zip.Entries.Select(e =>
        {
            using var reader = new StreamReader(e.Open(), Encoding.UTF8);
            return (e.FullName, reader.ReadToEnd());
        }).ToList());
    }

    private static Dictionary<string, string> ReadTarGz(string path)
    {
        using var tar = new TarReader(new GZipStream(File.OpenRead(path), CompressionMode.Decompress));
        var entries = new List<(string, string)>();
        while (tar.GetNextEntry() is { } entry)
        {
            using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
            entries.Add((entry.Name, reader.ReadToEnd()));
        }
        return Strip(entries);
    }

    private static Dictionary<string, string> Strip(IReadOnlyList<(string Name, string Text)> entries)
    {
        string root = Assert.Single(entries.Select(e => e.Name[..e.Name.IndexOf('/')]).Distinct());
        return entries.ToDictionary(e => e.Name[(root.Length + 1)..], e => e.Text);
    }
}
