using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>A VCH with three volume stores ("default", "fast" and the shared "team") and an image that declares VOLUME /data.</summary>
public sealed class VolumeVchFixture : IAsyncLifetime
{
    public static readonly string StoresRoot = Path.Combine(Path.GetTempPath(), "vic-it-stores-" + Guid.NewGuid().ToString("N")[..8]);
    public static string DefaultStore => Path.Combine(StoresRoot, "default");
    public static string FastStore => Path.Combine(StoresRoot, "fast");
    public static string TeamStore => Path.Combine(StoresRoot, "team");

    public VchFixture Vch { get; } = new(["--volume-store", DefaultStore + ":default", "--volume-store", FastStore + ":fast",
        "--volume-store", "shared:" + TeamStore + ":team"]);

    public async Task InitializeAsync()
    {
        await Vch.InitializeAsync();
        string archive = Path.Combine(Vch.Root, "volimg.tar");
        var image = await Shell.RunAsync("bash", [Path.Combine(RepoPaths.Scripts, "make-busybox-image.sh"), archive, "volimg:latest"],
            new Dictionary<string, string> { ["VOLUME_DIR"] = "/data" });
        Assert.True(image.ExitCode == 0, image.ToString());
        await Vch.OkAsync("load", "-i", archive);
    }

    public async Task DisposeAsync()
    {
        await Vch.DisposeAsync();
        if (Directory.Exists(StoresRoot))
            Directory.Delete(StoresRoot, recursive: true);
    }
}

/// <summary>Volumes, bind mounts and tmpfs with the real docker CLI against containerVMs.</summary>
public sealed class VolumeTests(VolumeVchFixture fixture) : IClassFixture<VolumeVchFixture>
{
    private readonly VchFixture _vch = fixture.Vch;

    [Fact]
    public async Task Named_volume_keeps_data_across_containers_honours_capacity_and_is_refused_removal_while_used()
    {
        Assert.Equal("data1", await _vch.OkAsync("volume", "create", "--opt", "Capacity=64MB", "--label", "team=a", "data1"));
        var inspect = JsonDocument.Parse(await _vch.OkAsync("volume", "inspect", "data1")).RootElement[0];
        Assert.Equal("local", inspect.GetProperty("Driver").GetString());
        Assert.Equal("a", inspect.GetProperty("Labels").GetProperty("team").GetString());
        Assert.Equal("67108864", inspect.GetProperty("Status").GetProperty("Capacity").GetString());
        Assert.StartsWith(VolumeVchFixture.DefaultStore, inspect.GetProperty("Mountpoint").GetString());

        string writer = await _vch.OkAsync("run", "--name", "vol-writer", "-v", "data1:/store", "busybox",
            "sh", "-c", "echo persisted > /store/file && df -k /store | tail -1");
        long sizeKb = long.Parse(writer.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.InRange(sizeKb, 40_000, 65_536); // 64 MiB less ext4's own metadata

        var refused = await _vch.DockerAsync("volume", "rm", "data1");
        string writerId = await _vch.OkAsync("inspect", "-f", "{{.Id}}", "vol-writer");
        Assert.Contains($"remove data1: volume is in use - [{writerId}]", refused.Stderr);
        Assert.Equal("data1", await _vch.OkAsync("volume", "ls", "-q", "--filter", "dangling=false", "--filter", "name=data1"));

        await _vch.OkAsync("rm", "vol-writer");
        Assert.Equal("persisted", await _vch.OkAsync("run", "--rm", "-v", "data1:/other:ro", "busybox", "cat", "/other/file"));
        var readOnly = await _vch.DockerAsync("run", "--rm", "--mount", "type=volume,source=data1,target=/m,readonly", "busybox", "touch", "/m/x");
        Assert.Contains("Read-only file system", readOnly.Stderr);
        Assert.Equal("data1", await _vch.OkAsync("volume", "ls", "-q", "--filter", "dangling=true", "--filter", "label=team=a"));
        Assert.Equal("data1", await _vch.OkAsync("volume", "rm", "data1"));
        Assert.DoesNotContain("data1", await _vch.OkAsync("volume", "ls", "-q"));
    }

    [Fact]
    public async Task Image_volume_content_is_copied_into_a_new_volume_once_and_rm_v_removes_only_anonymous_volumes()
    {
        // First mount of a new named volume: the image's /data (owned by app) is copied in.
        Assert.Equal("1000 from the image", await _vch.OkAsync("run", "--rm", "-v", "seeded:/data", "volimg",
            "sh", "-c", "echo $(stat -c %u /data/seed) $(cat /data/seed); rm /data/seed; echo mine > /data/mine"));
        // Not again: the volume is no longer new.
        Assert.Equal("mine", await _vch.OkAsync("run", "--rm", "-v", "seeded:/data", "volimg", "ls", "/data"));
        // A new volume's first mount read-only is seeded too (dockerd copies before mounting), and stays read-only.
        Assert.Equal("from the image\nread-only", await _vch.OkAsync("run", "--rm", "-v", "roseed:/data:ro", "volimg",
            "sh", "-c", "cat /data/seed; touch /data/x 2>/dev/null && echo writable || echo read-only"));
        Assert.Equal("seed", await _vch.OkAsync("run", "--rm", "-v", "roseed:/data:ro", "volimg", "ls", "/data"));
        await _vch.OkAsync("volume", "rm", "roseed");

        // The declared VOLUME with nothing mounted there gets an anonymous volume, seeded the same way.
        string id = await _vch.OkAsync("create", "-v", "named-kept:/kept", "volimg", "cat", "/data/seed");
        await _vch.OkAsync("start", "-a", id);
        var mounts = JsonDocument.Parse(await _vch.OkAsync("inspect", "-f", "{{json .Mounts}}", id)).RootElement;
        Assert.Equal(2, mounts.GetArrayLength());
        string anonymous = mounts.EnumerateArray().Single(m => m.GetProperty("Destination").GetString() == "/data").GetProperty("Name").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", anonymous);
        Assert.Contains(anonymous, await _vch.OkAsync("volume", "ls", "-q"));

        await _vch.OkAsync("rm", "-v", id);
        string left = await _vch.OkAsync("volume", "ls", "-q");
        Assert.DoesNotContain(anonymous, left);
        Assert.Contains("named-kept", left);

        // --rm takes the container's anonymous volumes with it, as dockerd does.
        Assert.Equal("from the image", await _vch.OkAsync("run", "--rm", "volimg", "cat", "/data/seed"));
        await Eventually.ThatAsync(async () => await _vch.OkAsync("volume", "ls", "-q") == left, "the --rm container's anonymous volume was removed");
        await _vch.OkAsync("volume", "rm", "named-kept", "seeded");
    }

    [Fact]
    public async Task A_second_writer_is_refused_while_a_container_runs_with_the_volume_and_volumes_from_shares_its_mounts()
    {
        string holder = await _vch.OkAsync("run", "-d", "--name", "vol-holder", "-v", "shared1:/s", "busybox", "sleep", "600");
        var second = await _vch.DockerAsync("run", "--rm", "-v", "shared1:/s", "busybox", "true");
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains($"volume shared1 is in use by running container {holder[..12]} (vol-holder)", second.Stderr);
        await _vch.OkAsync("rm", "-f", holder);

        string source = await _vch.OkAsync("create", "--name", "vol-source", "-v", "shared1:/s", "busybox", "true");
        Assert.Equal("/s", await _vch.OkAsync("run", "--rm", "--volumes-from", "vol-source:ro", "busybox",
            "sh", "-c", "touch /s/x 2>/dev/null || grep -o ' /s ' /proc/mounts | tr -d ' '"));
        await _vch.OkAsync("rm", source);
        await _vch.OkAsync("volume", "rm", "shared1");
    }

    [Fact]
    public async Task Bind_mount_is_seen_from_both_sides_and_read_only_is_enforced()
    {
        string host = Path.Combine(_vch.Root, "bind-src");
        Directory.CreateDirectory(host);
        await File.WriteAllTextAsync(Path.Combine(host, "from-host"), "hello from the host\n");
        Assert.Equal("hello from the host", await _vch.OkAsync("run", "--rm", "-v", host + ":/h", "busybox",
            "sh", "-c", "echo written in the vm > /h/from-vm && chown 1000:1000 /h/from-vm && cat /h/from-host"));
        Assert.Equal("written in the vm\n", await File.ReadAllTextAsync(Path.Combine(host, "from-vm")));
        Assert.Equal("1000", (await Shell.RunAsync("stat", ["-c", "%u", Path.Combine(host, "from-vm")])).Stdout.Trim());

        // Two VMs sharing host directories at once (each has its own virtiofsd).
        string first = await _vch.OkAsync("run", "-d", "-v", host + ":/h", "busybox", "sleep", "600");
        Assert.Equal("hello from the host", await _vch.OkAsync("run", "--rm", "-v", host + ":/h", "busybox", "cat", "/h/from-host"));
        await _vch.OkAsync("rm", "-f", first);

        var ro = await _vch.DockerAsync("run", "--rm", "--mount", $"type=bind,source={host},target=/h,readonly", "busybox", "rm", "/h/from-host");
        Assert.Contains("Read-only file system", ro.Stderr);
        Assert.True(File.Exists(Path.Combine(host, "from-host")));

        var missing = await _vch.DockerAsync("run", "--rm", "--mount", $"type=bind,source={host}/nope,target=/h", "busybox", "true");
        Assert.Contains($"invalid mount config for type \"bind\": bind source path does not exist: {host}/nope", missing.Stderr);
    }

    [Fact]
    public async Task Cp_of_a_stopped_container_reaches_its_volumes_and_bind_mounts()
    {
        string host = Path.Combine(_vch.Root, "cp-bind");
        Directory.CreateDirectory(host);
        string local = Path.Combine(_vch.Root, "cp-in.txt");
        await File.WriteAllTextAsync(local, "copied in\n");
        // A created container: its anonymous volume (the image's VOLUME /data), a named volume and a bind mount.
        string id = await _vch.OkAsync("create", "-v", "cpvol:/named", "-v", host + ":/h", "volimg",
            "sh", "-c", "cat /data/in.txt /data/seed /named/in.txt; echo from the run > /named/out.txt");
        await _vch.OkAsync("cp", local, id + ":/data/in.txt");
        await _vch.OkAsync("cp", local, id + ":/named/in.txt");
        await _vch.OkAsync("cp", local, id + ":/h/in.txt");
        Assert.Equal("copied in\n", await File.ReadAllTextAsync(Path.Combine(host, "in.txt")));
        // The anonymous volume was seeded from the image at the copy's mount (as at a first start), and not again.
        Assert.Equal("copied in\nfrom the image\ncopied in", await _vch.OkAsync("start", "-a", id));

        // Out of the stopped container's volume; the same path of the root disk beneath holds nothing.
        string copiedOut = Path.Combine(_vch.Root, "cp-out.txt");
        await _vch.OkAsync("cp", id + ":/named/out.txt", copiedOut);
        Assert.Equal("from the run\n", await File.ReadAllTextAsync(copiedOut));
        var stat = await _vch.DockerAsync("cp", id + ":/named/nothing-here", "-");
        Assert.Contains("Could not find the file /named/nothing-here in container " + id, stat.Stderr);

        // While a running container writes the named volume, the stopped one's copy is refused, not done beside it.
        string holder = await _vch.OkAsync("run", "-d", "-v", "cpvol:/v", "busybox", "sleep", "600");
        var refused = await _vch.DockerAsync("cp", local, id + ":/named/again.txt");
        Assert.Contains($"volume cpvol is in use by running container {holder[..12]}", refused.Stderr);
        await _vch.OkAsync("rm", "-f", holder);
        await _vch.OkAsync("rm", "-v", id);
        await _vch.OkAsync("volume", "rm", "cpvol");
    }

    [Fact]
    public async Task A_read_only_root_keeps_its_mounts_and_host_files_writable_for_the_vch_and_refuses_copies_into_it()
    {
        string id = await _vch.OkAsync("run", "-d", "--read-only", "--hostname", "ro-box", "-v", "rw-data:/data", "-v", "ro-data:/ro:ro",
            "--tmpfs", "/run", "busybox", "sleep", "600");
        Assert.Equal("true", await _vch.OkAsync("inspect", "-f", "{{.HostConfig.ReadonlyRootfs}}", id));
        // The root refuses writes; the volume and the tmpfs take them; the VCH's own files were written before.
        Assert.Equal("root refused\nvolume ok\ntmpfs ok\nro-box", await _vch.OkAsync("exec", id, "sh", "-c",
            "touch /x 2>/dev/null && echo root written || echo root refused; touch /data/x && echo volume ok; " +
            "touch /run/x && echo tmpfs ok; cat /etc/hostname"));
        Assert.Contains("ro-box", await _vch.OkAsync("exec", id, "cat", "/etc/hosts"));

        string local = Path.Combine(_vch.Root, "ro-in.txt");
        await File.WriteAllTextAsync(local, "x\n");
        var intoRoot = await _vch.DockerAsync("cp", local, id + ":/etc/");
        Assert.Contains("container rootfs is marked read-only", intoRoot.Stderr);
        var intoReadOnlyVolume = await _vch.DockerAsync("cp", local, id + ":/ro/");
        Assert.Contains("mounted volume is marked read-only", intoReadOnlyVolume.Stderr);
        await _vch.OkAsync("cp", local, id + ":/data/");
        Assert.Equal("x", await _vch.OkAsync("exec", id, "cat", "/data/ro-in.txt"));

        await _vch.OkAsync("rm", "-f", id);
        await _vch.OkAsync("volume", "rm", "rw-data", "ro-data");
    }

    [Fact]
    public async Task Tmpfs_mounts_have_their_size_mode_and_flags()
    {
        string line = await _vch.OkAsync("run", "--rm", "--tmpfs", "/run:size=8m,mode=1770", "--mount", "type=tmpfs,target=/scratch,tmpfs-size=4194304",
            "busybox", "sh", "-c", "grep -E ' /run | /scratch ' /proc/mounts; stat -c %a /run");
        Assert.Contains("tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=8192k,mode=1770", line);
        Assert.Contains("tmpfs /scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=4096k", line);
        Assert.EndsWith("1770", line);
    }

    [Fact]
    public async Task Volume_stores_are_listed_in_info_and_chosen_with_the_VolumeStore_option()
    {
        string info = await _vch.OkAsync("info");
        Assert.Contains($"VolumeStore: default: {VolumeVchFixture.DefaultStore}", info);
        Assert.Contains($"VolumeStore: fast: {VolumeVchFixture.FastStore}", info);
        await _vch.OkAsync("volume", "create", "--opt", "VolumeStore=fast", "--opt", "Capacity=16M", "in-fast");
        Assert.True(File.Exists(Path.Combine(VolumeVchFixture.FastStore, "in-fast", "disk.raw")));
        Assert.Contains("Local Volumes", await _vch.OkAsync("system", "df"));
        Assert.Contains("in-fast", await _vch.OkAsync("system", "df", "-v"));
        await _vch.OkAsync("volume", "rm", "in-fast");
        Assert.False(Directory.Exists(Path.Combine(VolumeVchFixture.FastStore, "in-fast")));
    }

    [Fact]
    public async Task Bad_volume_requests_get_dockerds_messages_and_change_nothing()
    {
        string before = await _vch.OkAsync("volume", "ls", "-q");
        (string[] Args, string Message)[] cases =
        [
            (["volume", "create", "a/b"], "create a/b: \"a/b\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\" are allowed"),
            (["volume", "create", "-d", "nfs", "x1"], "create x1: error looking up volume plugin nfs: plugin \"nfs\" not found"),
            (["volume", "create", "--opt", "bogus=1", "x2"], "create x2: invalid option: \"bogus\""),
            (["volume", "create", "--opt", "VolumeStore=nope", "x3"], "create x3: no volume store named \"nope\""),
            (["volume", "inspect", "nosuchvol"], "get nosuchvol: no such volume"),
            (["volume", "rm", "nosuchvol"], "get nosuchvol: no such volume"),
            (["run", "--rm", "-v", "x4:/a:bogus", "busybox", "true"], "invalid mode: bogus"),
            (["volume", "ls", "--filter", "color=red"], "invalid filter 'color'"),
        ];
        foreach (var (args, message) in cases)
        {
            var result = await _vch.DockerAsync(args);
            Assert.True(result.ExitCode != 0, $"docker {string.Join(' ', args)} should fail");
            Assert.Contains(message, result.Stderr);
        }
        Assert.Equal(before, await _vch.OkAsync("volume", "ls", "-q"));
    }

    [Fact]
    public async Task Volume_data_survives_a_sigkill_of_the_vch()
    {
        await _vch.OkAsync("run", "--rm", "-v", "durable:/d", "busybox", "sh", "-c", "echo survived > /d/f");
        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        int daemonPid = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("Pid").GetInt32();
        await Shell.RunAsync("kill", ["-9", daemonPid.ToString()]);
        var started = await _vch.MachineAsync("start", "--name", _vch.Name);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal("survived", await _vch.OkAsync("run", "--rm", "-v", "durable:/d", "busybox", "cat", "/d/f"));
        await _vch.OkAsync("volume", "rm", "durable");
    }

    [Fact]
    public async Task A_shared_store_volume_is_written_by_several_running_containers_at_once_and_seeded_once()
    {
        Assert.Contains($"VolumeStore: team: {VolumeVchFixture.TeamStore} (shared)", await _vch.OkAsync("info"));
        var capacity = await _vch.DockerAsync("volume", "create", "--opt", "VolumeStore=team", "--opt", "Capacity=1G", "teamvol");
        Assert.Contains("create teamvol: volume store \"team\" is shared", capacity.Stderr);
        await _vch.OkAsync("volume", "create", "--opt", "VolumeStore=team", "teamvol");
        var status = JsonDocument.Parse(await _vch.OkAsync("volume", "inspect", "teamvol")).RootElement[0].GetProperty("Status");
        Assert.Equal("true", status.GetProperty("Shared").GetString());
        Assert.False(status.TryGetProperty("Capacity", out _));
        string data = Path.Combine(VolumeVchFixture.TeamStore, "teamvol", "data");

        // Two containerVMs hold the volume read-write at the same time; each sees what the other wrote, and so does the host.
        string first = await _vch.OkAsync("run", "-d", "--name", "team-1", "-v", "teamvol:/s", "busybox", "sh", "-c", "echo from-1 > /s/one && sleep 600");
        await Eventually.ThatAsync(() => Task.FromResult(File.Exists(Path.Combine(data, "one"))), "the first container's file reached the host directory");
        Assert.Equal("from-1", await _vch.OkAsync("run", "--rm", "-v", "teamvol:/s", "busybox", "sh", "-c", "cat /s/one && echo from-2 > /s/two"));
        await Eventually.ThatAsync(async () => (await _vch.DockerAsync("exec", first, "cat", "/s/two")).Stdout.Trim() == "from-2",
            "the running first container reads what the second wrote");
        Assert.Equal("from-2\n", await File.ReadAllTextAsync(Path.Combine(data, "two")));
        await _vch.OkAsync("rm", "-f", first);

        // A new shared volume gets the image's content on its first mount, even a read-only one, and not again.
        await _vch.OkAsync("volume", "create", "--opt", "VolumeStore=team", "teamseed");
        Assert.Equal("1000 from the image\nread-only", await _vch.OkAsync("run", "--rm", "-v", "teamseed:/data:ro", "volimg",
            "sh", "-c", "echo $(stat -c %u /data/seed) $(cat /data/seed); touch /data/x 2>/dev/null && echo writable || echo read-only"));
        File.Delete(Path.Combine(VolumeVchFixture.TeamStore, "teamseed", "data", "seed"));
        await File.WriteAllTextAsync(Path.Combine(VolumeVchFixture.TeamStore, "teamseed", "data", "mine"), "host\n");
        Assert.Equal("mine", await _vch.OkAsync("run", "--rm", "-v", "teamseed:/data", "volimg", "ls", "/data"));
        await _vch.OkAsync("volume", "rm", "teamvol", "teamseed");
        Assert.Empty(Directory.EnumerateFileSystemEntries(VolumeVchFixture.TeamStore));
    }

    [Fact]
    public async Task A_volume_still_mounts_with_its_synced_data_after_the_vch_and_its_writing_vm_are_killed_mid_write()
    {
        string writer = await _vch.OkAsync("run", "-d", "--name", "crash-writer", "-v", "crashvol:/d", "busybox", "sh", "-c",
            "i=0; while true; do i=$((i+1)); dd if=/dev/urandom of=/d/big.$((i % 3)) bs=64k count=8 2>/dev/null; echo $i >> /d/log; sync; done");
        int synced = 0;
        await Eventually.ThatAsync(async () =>
        {
            var count = await _vch.DockerAsync("exec", writer, "sh", "-c", "tail -n 1 /d/log");
            return int.TryParse(count.Stdout.Trim(), out synced) && synced >= 3;
        }, "the writer synced a few rounds");
        int qemuPid = int.Parse(await _vch.OkAsync("inspect", "-f", "{{.State.Pid}}", writer));
        var inspect = await _vch.MachineAsync("inspect", "--name", _vch.Name, "--format", "json");
        int daemonPid = JsonDocument.Parse(inspect.Stdout).RootElement.GetProperty("Pid").GetInt32();
        // Both at once, while the guest is between writes or in one: what a host crash does to this VM and its VCH.
        await Shell.RunAsync("kill", ["-9", daemonPid.ToString(), qemuPid.ToString()]);
        var started = await _vch.MachineAsync("start", "--name", _vch.Name);
        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Equal("exited", await _vch.OkAsync("inspect", "-f", "{{.State.Status}}", writer));

        // The journal is replayed on the next mount: the volume mounts and holds at least every round synced before the kill.
        string last = await _vch.OkAsync("run", "--rm", "-v", "crashvol:/d", "busybox", "sh", "-c", "tail -n 1 /d/log && ls /d | grep -c big");
        string[] lines = last.Split('\n');
        Assert.True(int.Parse(lines[0]) >= synced, $"the log ends at {lines[0]}, before round {synced} that had been synced");
        Assert.Equal("3", lines[1].Trim());
        await _vch.OkAsync("rm", writer);
        await _vch.OkAsync("volume", "rm", "crashvol");
    }
}
