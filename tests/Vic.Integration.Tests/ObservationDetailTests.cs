using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>ps -s / inspect --size, logs --details and --since/--until as the CLI sends them, and import from a URL, through the
/// real docker CLI on real containerVMs.</summary>
[Collection("vch")]
public sealed class ObservationDetailTests(VchFixture vch)
{
    private const long FiveMiB = 5 * 1024 * 1024;

    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    [Fact]
    public async Task Ps_s_shows_the_bytes_a_container_wrote_against_its_image()
    {
        string stopped = NewName("size");
        string running = NewName("size-run");
        await vch.OkAsync("run", "--name", stopped, "busybox", "dd", "if=/dev/zero", "of=/five", "bs=1048576", "count=5");
        await vch.OkAsync("run", "-d", "--name", running, "busybox", "sh", "-c", "dd if=/dev/zero of=/tmp/five bs=1048576 count=5 && touch /done && sleep 600");
        try
        {
            await Eventually.ThatAsync(async () => (await vch.DockerAsync("exec", running, "test", "-e", "/done")).ExitCode == 0, "the running container wrote its file");
            long imageSize = long.Parse(await vch.OkAsync("image", "inspect", "-f", "{{.Size}}", "busybox"));
            foreach (string name in new[] { stopped, running })
            {
                var sizes = (await vch.OkAsync("inspect", "--size", "-f", "{{.SizeRw}} {{.SizeRootFs}}", name)).Split(' ').Select(long.Parse).ToArray();
                // The file, plus whatever else the command left (busybox dd leaves nothing else): a few KiB at most.
                Assert.InRange(sizes[0], FiveMiB, FiveMiB + 64 * 1024);
                Assert.Equal(imageSize + sizes[0], sizes[1]);
            }
            // The CLI's column: "5.24MB (virtual 7.xMB)".
            string column = await vch.OkAsync("ps", "-a", "-s", "--filter", $"name={stopped}", "--format", "{{.Size}}");
            Assert.Matches(@"^5\.2\dMB \(virtual \d+(\.\d+)?MB\)$", column);
            // Without -s nothing is measured.
            Assert.Equal("<nil>", await vch.OkAsync("inspect", "-f", "{{.SizeRw}}", stopped));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", stopped, running);
        }
    }

    [Fact]
    public async Task Logs_details_print_the_log_opt_attributes_and_since_until_take_the_clis_forms()
    {
        string name = NewName("details");
        await vch.OkAsync("run", "--name", name, "--label", "team=core infra", "-e", "STAGE=prod", "--log-opt", "labels=team",
            "--log-opt", "env=STAGE", "busybox", "sh", "-c", "echo one; echo two");
        try
        {
            Assert.Equal("STAGE=prod,team=core+infra one\nSTAGE=prod,team=core+infra two", await vch.OkAsync("logs", "--details", name));
            string stamped = await vch.OkAsync("logs", "--details", "--timestamps", "--tail", "1", name);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z STAGE=prod,team=core\+infra two$", stamped);

            // Relative durations and absolute times, converted by the CLI as it sends them.
            Assert.Equal("one\ntwo", await vch.OkAsync("logs", "--since", "10m", name));
            Assert.Equal("", await vch.OkAsync("logs", "--until", "10m", name));
            Assert.Equal("", await vch.OkAsync("logs", "--since", "2099-01-01T00:00:00Z", name));
            Assert.Equal("one\ntwo", await vch.OkAsync("logs", "--until", "2099-01-01T00:00:00Z", name));
            Assert.Equal("", await vch.OkAsync("logs", "--until", "2001-01-01T00:00:00Z", name));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Import_fetches_a_url_and_reports_a_missing_one_as_dockerd_does()
    {
        string source = NewName("rootfs-src");
        string imported = NewName("from-url") + ":v1";
        await vch.OkAsync("create", "--name", source, "busybox");
        string dir = Path.Combine(vch.Root, NewName("serve"));
        Directory.CreateDirectory(dir);
        string tar = Path.Combine(dir, "rootfs.tar");
        await vch.OkAsync("export", "-o", tar, source);

        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var serving = Task.Run(async () =>
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
                using var response = context.Response;
                if (context.Request.Url!.AbsolutePath == "/rootfs.tar")
                {
                    await using var file = File.OpenRead(tar);
                    response.ContentLength64 = file.Length;
                    await file.CopyToAsync(response.OutputStream);
                }
                else
                {
                    response.StatusCode = 404;
                }
            }
        });
        try
        {
            string url = $"http://127.0.0.1:{port}/rootfs.tar";
            string output = await vch.OkAsync("import", url, imported);
            Assert.Matches("sha256:[0-9a-f]{64}$", output);
            Assert.Equal("Imported from " + url, await vch.OkAsync("image", "inspect", "-f", "{{.Comment}}", imported));
            Assert.Equal("from the url", await vch.OkAsync("run", "--rm", imported, "echo", "from the url"));

            var missing = await vch.DockerAsync("import", $"http://127.0.0.1:{port}/missing.tar");
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains($"failed to GET http://127.0.0.1:{port}/missing.tar with status 404 Not Found", missing.Stderr);
        }
        finally
        {
            listener.Stop();
            await serving;
            await vch.DockerAsync("rm", "-f", source);
            await vch.DockerAsync("rmi", imported);
        }
    }
}
