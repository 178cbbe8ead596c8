namespace Vic.Integration.Tests;

/// <summary>
/// docker cp (both ways, running and stopped containers), diff, export, commit and import through the real docker
/// CLI; every tar is made and unpacked inside a VM. curl over the unix socket checks the exact status codes.
/// </summary>
[Collection("vch")]
public sealed class ArchiveTests(VchFixture vch)
{
    private static string NewName(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..6]}";

    private string NewHostDir()
    {
        string dir = Path.Combine(vch.Root, NewName("host"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    [Fact]
    public async Task Cp_into_and_out_of_a_running_container_keeps_content_links_and_owners_as_asked()
    {
        string name = NewName("cp-run");
        await vch.OkAsync("run", "-d", "--name", name, "busybox", "sleep", "600");
        try
        {
            string src = Path.Combine(NewHostDir(), "tree");
            Directory.CreateDirectory(Path.Combine(src, "sub"));
            await File.WriteAllTextAsync(Path.Combine(src, "sub", "file.txt"), "hello from the host\n");
            File.CreateSymbolicLink(Path.Combine(src, "link"), "sub/file.txt");
            Assert.Equal(0, (await Shell.RunAsync("chown", ["-R", "1234:4321", src])).ExitCode);

            await vch.OkAsync("cp", src, $"{name}:/tmp/");
            Assert.Equal("hello from the host", await vch.OkAsync("exec", name, "cat", "/tmp/tree/link"));
            Assert.Equal("0:0", await vch.OkAsync("exec", name, "stat", "-c", "%u:%g", "/tmp/tree/sub/file.txt"));
            await vch.OkAsync("cp", "-a", Path.Combine(src, "sub", "file.txt"), $"{name}:/tmp/kept.txt");
            Assert.Equal("1234:4321", await vch.OkAsync("exec", name, "stat", "-c", "%u:%g", "/tmp/kept.txt"));

            await vch.OkAsync("exec", name, "sh", "-c", "mkdir -p /srv/out && echo made inside > /srv/out/a && ln -s a /srv/out/b");
            string dest = NewHostDir();
            await vch.OkAsync("cp", $"{name}:/srv/out", dest);
            Assert.Equal("made inside\n", await File.ReadAllTextAsync(Path.Combine(dest, "out", "a")));
            Assert.Equal("a", new FileInfo(Path.Combine(dest, "out", "b")).LinkTarget);
            // "dir/." copies the directory's contents; a file can be copied to a new name.
            await vch.OkAsync("cp", $"{name}:/srv/out/.", Path.Combine(dest, "contents"));
            Assert.True(File.Exists(Path.Combine(dest, "contents", "a")));
            await vch.OkAsync("cp", $"{name}:/etc/passwd", Path.Combine(dest, "pw"));
            Assert.StartsWith("root:", await File.ReadAllTextAsync(Path.Combine(dest, "pw")));

            var missing = await vch.DockerAsync("cp", $"{name}:/no/such/file", dest);
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains($"Could not find the file /no/such/file in container {name}", missing.Stderr);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Archive_endpoint_answers_dockerds_status_codes_and_stat_header()
    {
        string name = NewName("cp-api");
        await vch.OkAsync("run", "-d", "--name", name, "busybox", "sleep", "600");
        try
        {
            string socket = vch.DockerHost.Replace("unix://", "", StringComparison.Ordinal);
            var head = await Curl(socket, "-I", $"http://d/v1.44/containers/{name}/archive?path=/etc/passwd");
            Assert.Contains("200", head.Split('\n')[0]);
            string header = head.Split('\n').First(l => l.StartsWith("X-Docker-Container-Path-Stat:", StringComparison.OrdinalIgnoreCase));
            string json = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header[(header.IndexOf(':') + 1)..].Trim()));
            Assert.Contains("\"name\":\"passwd\"", json);
            Assert.Contains("\"mode\":420", json);

            string tar = Path.Combine(NewHostDir(), "one.tar");
            Assert.Equal(0, (await Shell.RunAsync("tar", ["-cf", tar, "-C", "/etc", "hostname"])).ExitCode);
            string notDir = await Curl(socket, "-X", "PUT", "--data-binary", "@" + tar, $"http://d/v1.44/containers/{name}/archive?path=/etc/passwd");
            Assert.Contains("400", notDir);
            Assert.Contains("extraction point is not a directory", notDir);
            string notFound = await Curl(socket, "-X", "PUT", "--data-binary", "@" + tar, $"http://d/v1.44/containers/{name}/archive?path=/nowhere");
            Assert.Contains("404", notFound);
            Assert.Contains($"Could not find the file /nowhere in container {name}", notFound);
            string garbage = Path.Combine(NewHostDir(), "garbage.tar");
            await File.WriteAllBytesAsync(garbage, new byte[700].Select((_, i) => (byte)(i * 7)).ToArray());
            string bad = await Curl(socket, "-X", "PUT", "--data-binary", "@" + garbage, $"http://d/v1.44/containers/{name}/archive?path=/tmp");
            Assert.Contains("500", bad);
            Assert.Contains("Error processing tar file", bad);
            // The container is unharmed and still takes copies.
            await vch.OkAsync("cp", tar, $"{name}:/tmp/");
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
        }
    }

    /// <summary>Bulk data goes through the VMs' transfer disks (slots, not control frames): a 64 MiB file must come back
    /// byte for byte, into and out of the running container's own tether and of a Files VM on the stopped one's disk.</summary>
    [Fact]
    public async Task Cp_of_64_MiB_round_trips_intact_into_and_out_of_running_and_stopped_containers()
    {
        string name = NewName("cp-big");
        string dir = NewHostDir();
        string src = Path.Combine(dir, "big.bin");
        var data = new byte[64 << 20];
        new Random(4242).NextBytes(data);
        await File.WriteAllBytesAsync(src, data);
        string sum = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(data));
        await vch.OkAsync("run", "-d", "--name", name, "busybox", "sleep", "600");
        try
        {
            await vch.OkAsync("cp", src, $"{name}:/tmp/big.bin");
            Assert.StartsWith(sum, await vch.OkAsync("exec", name, "sha256sum", "/tmp/big.bin"));
            await vch.OkAsync("cp", $"{name}:/tmp/big.bin", Path.Combine(dir, "out-running.bin"));
            Assert.Equal(sum, await FileSum(Path.Combine(dir, "out-running.bin")));

            await vch.OkAsync("stop", "-t", "1", name);
            await vch.OkAsync("cp", src, $"{name}:/root/again.bin");
            await vch.OkAsync("cp", $"{name}:/root/again.bin", Path.Combine(dir, "out-stopped.bin"));
            Assert.Equal(sum, await FileSum(Path.Combine(dir, "out-stopped.bin")));
            await vch.OkAsync("cp", $"{name}:/tmp/big.bin", Path.Combine(dir, "out-stopped-first.bin"));
            Assert.Equal(sum, await FileSum(Path.Combine(dir, "out-stopped-first.bin")));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
        }
    }

    private static async Task<string> FileSum(string path)
    {
        await using FileStream file = File.OpenRead(path);
        return Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(file));
    }

    [Fact]
    public async Task Cp_into_and_out_of_a_stopped_container_goes_through_a_vm_on_its_disk()
    {
        string name = NewName("cp-stopped");
        await vch.OkAsync("create", "--name", name, "busybox", "cat", "/etc/in.txt");
        try
        {
            string src = Path.Combine(NewHostDir(), "in.txt");
            await File.WriteAllTextAsync(src, "copied while stopped\n");
            await vch.OkAsync("cp", src, $"{name}:/etc/");
            string dest = NewHostDir();
            await vch.OkAsync("cp", $"{name}:/etc/in.txt", dest);
            Assert.Equal("copied while stopped\n", await File.ReadAllTextAsync(Path.Combine(dest, "in.txt")));
            // The copy is on the container's own disk: its process sees it when it runs.
            Assert.Equal("copied while stopped", await vch.OkAsync("start", "-a", name));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
        }
    }

    [Fact]
    public async Task Diff_export_commit_and_import_of_a_stopped_container()
    {
        string name = NewName("diff");
        await vch.OkAsync("run", "--name", name, "busybox", "sh", "-c",
            "mkdir /tmp/new && echo hi > /tmp/new/f && rm /bin/ls && echo extra >> /etc/passwd");
        string committed = NewName("committed") + ":v1";
        string imported = NewName("imported") + ":v1";
        try
        {
            var lines = (await vch.OkAsync("diff", name)).Split('\n');
            Assert.Equal(["C /bin", "D /bin/ls", "C /etc/passwd", "C /tmp", "A /tmp/new", "A /tmp/new/f"], lines);

            string tar = Path.Combine(NewHostDir(), "export.tar");
            await vch.OkAsync("export", "-o", tar, name);
            var listing = await Shell.RunAsync("tar", ["-tf", tar]);
            Assert.Contains("tmp/new/f", listing.Stdout);
            Assert.Contains("bin/sh", listing.Stdout);
            Assert.DoesNotContain("bin/ls\n", listing.Stdout);

            string id = await vch.OkAsync("commit", "-m", "made by a test", "-a", "tester", "-c", "CMD [\"cat\", \"/tmp/new/f\"]", "-c", "ENV FROM_COMMIT=yes", name, committed);
            Assert.StartsWith("sha256:", id);
            Assert.Equal("hi", await vch.OkAsync("run", "--rm", committed));
            Assert.NotEqual(0, (await vch.DockerAsync("run", "--rm", committed, "ls", "/bin/ls")).ExitCode);
            Assert.Equal("yes", await vch.OkAsync("run", "--rm", committed, "sh", "-c", "echo $FROM_COMMIT"));
            Assert.Equal("made by a test|tester", await vch.OkAsync("image", "inspect", "--format", "{{.Comment}}|{{.Author}}", committed));
            var save = await vch.DockerAsync("save", "-o", Path.Combine(NewHostDir(), "saved.tar"), committed);
            Assert.Equal(0, save.ExitCode);

            await vch.OkAsync("import", "-c", "CMD [\"cat\", \"/tmp/new/f\"]", tar, imported);
            Assert.Equal("hi", await vch.OkAsync("run", "--rm", imported));
            Assert.Equal("Imported from -", await vch.OkAsync("image", "inspect", "--format", "{{.Comment}}", imported));

            var refused = await vch.DockerAsync("commit", "-c", "RUN echo no", name);
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("run is not a valid change command", refused.Stderr);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
            await vch.DockerAsync("rmi", committed, imported);
        }
    }

    [Fact]
    public async Task Diff_and_commit_of_a_running_container_freeze_it_only_while_reading()
    {
        string name = NewName("live");
        await vch.OkAsync("run", "-d", "--name", name, "busybox", "sleep", "600");
        string committed = NewName("livecommit");
        try
        {
            await vch.OkAsync("exec", name, "sh", "-c", "echo live > /root/live");
            Assert.Contains("A /root/live", await vch.OkAsync("diff", name));
            await vch.OkAsync("commit", name, committed);
            Assert.Equal("live", await vch.OkAsync("run", "--rm", committed, "cat", "/root/live"));
            // Thawed: the container writes again.
            await vch.OkAsync("exec", name, "sh", "-c", "echo after > /root/after");
            Assert.Equal("after", await vch.OkAsync("exec", name, "cat", "/root/after"));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", name);
            await vch.DockerAsync("rmi", committed);
        }
    }

    [Fact]
    public async Task Commit_right_after_starting_a_short_command_succeeds_whenever_it_ends()
    {
        // The commit may find the container running, shutting down while it is frozen, or stopped: each must work
        // (docker-py's commit tests start `touch /test` and commit at once).
        var images = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            string name = NewName("short");
            await vch.OkAsync("create", "--name", name, "busybox", "touch", "/test");
            try
            {
                await vch.OkAsync("start", name);
                string id = await vch.OkAsync("commit", name);
                Assert.StartsWith("sha256:", id);
                images.Add(id);
            }
            finally
            {
                await vch.DockerAsync("rm", "-f", name);
            }
        }
        await vch.DockerAsync(["rmi", .. images]);
    }

    /// <summary>curl over the VCH's unix socket; returns the status line, headers (with -I) or the status and body.</summary>
    private static async Task<string> Curl(string socket, params string[] args)
    {
        bool headOnly = args.Contains("-I");
        string[] full = headOnly ? ["-s", "--unix-socket", socket, .. args] : ["-s", "--unix-socket", socket, "-w", "\n%{http_code}", .. args];
        var result = await Shell.RunAsync("curl", full);
        return result.Stdout;
    }
}
