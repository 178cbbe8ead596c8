namespace Vic.Integration.Tests;

/// <summary>docker run through the real CLI: every container is a VM booting the container base's kernel.</summary>
[Collection("vch")]
public sealed class RunTests(VchFixture vch)
{
    [Fact]
    public async Task Uname_prints_the_guest_kernel_not_the_hosts()
    {
        string release = await vch.OkAsync("run", "--rm", "busybox", "uname", "-r");
        Assert.Equal(vch.GuestKernelRelease, release);
        var host = await Shell.RunAsync("uname", ["-r"]);
        Assert.NotEqual(host.Stdout.Trim(), release);
    }

    [Fact]
    public async Task Guest_has_a_balloon_device_with_free_page_reporting_bound_to_its_driver()
    {
        // Free page reporting is what hands memory the guest freed back to the host (issue 2's idle-memory figure).
        // Feature bit 5 (VIRTIO_BALLOON_F_REPORTING) must be negotiated: the guest driver is bound and using it.
        string features = await vch.OkAsync("run", "--rm", "busybox", "sh", "-c",
            "for d in /sys/bus/virtio/drivers/virtio_balloon/virtio*; do cat $d/features; done");
        Assert.True(features.Length > 5, $"no virtio_balloon device bound in the guest: '{features}'");
        Assert.Equal('1', features[5]);
    }

    [Fact]
    public async Task Exit_code_of_the_process_is_the_exit_code_of_docker_run()
    {
        var result = await vch.DockerAsync("run", "--rm", "busybox", "sh", "-c", "echo out; exit 3");
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out", result.Stdout.Trim());
    }

    [Fact]
    public async Task Stdout_and_stderr_stay_apart_in_run_and_in_logs()
    {
        string name = "streams-" + Guid.NewGuid().ToString("N")[..6];
        var run = await vch.DockerAsync("run", "--name", name, "busybox", "sh", "-c", "echo to-out; echo to-err >&2");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("to-out", run.Stdout.Trim());
        Assert.Equal("to-err", run.Stderr.Trim());
        var logs = await vch.DockerAsync("logs", name);
        Assert.Equal("to-out", logs.Stdout.Trim());
        Assert.Equal("to-err", logs.Stderr.Trim());
        var tail = await vch.DockerAsync("logs", "--tail", "1", "-t", name);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z to-(out|err)", (tail.Stdout + tail.Stderr).Trim());
        await vch.OkAsync("rm", name);
    }

    [Fact]
    public async Task Missing_executable_exits_127_and_a_directory_126()
    {
        var missing = await vch.DockerAsync("run", "--rm", "busybox", "no-such-command");
        Assert.Equal(127, missing.ExitCode);
        Assert.Contains("executable file not found", missing.Stderr);
        var notExecutable = await vch.DockerAsync("run", "--rm", "busybox", "/etc");
        Assert.Equal(126, notExecutable.ExitCode);
    }

    [Fact]
    public async Task Group_add_gives_the_process_and_its_execs_extra_groups()
    {
        // busybox's /etc/group: users is 100; 4242 is in no file, taken as a number (as runc does).
        Assert.Equal("0 100 4242", await vch.OkAsync("run", "--rm", "--group-add", "users", "--group-add", "4242", "busybox", "id", "-G"));
        string id = await vch.OkAsync("run", "-d", "--group-add", "4242", "busybox", "sleep", "600");
        try
        {
            Assert.Equal("1000 4242", await vch.OkAsync("exec", "-u", "1000:1000", id, "id", "-G"));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", id);
        }
        var unknown = await vch.DockerAsync("run", "--rm", "--group-add", "wheel", "busybox", "true");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("Unable to find group wheel", unknown.Stderr);
    }

    [Fact]
    public async Task Stdin_is_relayed_with_dash_i()
    {
        var result = await vch.DockerWithInputAsync("hello through stdin\nsecond line\n", "run", "-i", "--rm", "busybox", "sh", "-c", "cat; echo done");
        Assert.Equal(0, result.ExitCode);
        Assert.Equal("hello through stdin\nsecond line\ndone", result.Stdout.Trim());
    }

    [Fact]
    public async Task Tty_gives_the_process_a_terminal()
    {
        // script(1) gives the docker CLI a real terminal, as a user's shell would.
        var result = await Shell.RunAsync("script", ["-qec", "docker run -t --rm busybox sh -c 'tty; stty size'", "/dev/null"],
            new Dictionary<string, string> { ["DOCKER_HOST"] = vch.DockerHost, ["COLUMNS"] = "91", ["LINES"] = "37" });
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("/dev/pts/", result.Stdout);
    }

    [Fact]
    public async Task Resize_changes_the_terminal_size_of_a_running_tty_container()
    {
        // docker run -d returns once the tether has launched the process, so the resize lands during the sleep.
        string id = await vch.OkAsync("run", "-d", "-t", "busybox", "sh", "-c", "sleep 8; stty size");
        string socket = vch.DockerHost["unix://".Length..];
        var resize = await Shell.RunAsync("curl", ["-sf", "-X", "POST", "--unix-socket", socket, $"http://vch/v1.44/containers/{id}/resize?h=33&w=111"]);
        Assert.True(resize.ExitCode == 0, resize.ToString());
        Assert.Equal("0", await vch.OkAsync("wait", id));
        Assert.Equal("33 111", await vch.OkAsync("logs", id));
        await vch.OkAsync("rm", id);
    }

    [Fact]
    public async Task Orphaned_processes_are_reaped_by_the_tether()
    {
        // The inner shell exits at once, orphaning its background sleeps onto PID 1 (the tether), which must reap them.
        string output = await vch.OkAsync("run", "--rm", "busybox", "sh", "-c",
            "sh -c 'sleep 0.2 & sleep 0.3 &'; sleep 2; ps -o pid,stat,comm");
        var states = output.Split('\n').Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Where(f => f.Length >= 2).ToList();
        Assert.NotEmpty(states);
        Assert.DoesNotContain(states, f => f[1].StartsWith('Z'));
    }

    [Fact]
    public async Task Docker_info_says_which_accelerator_runs_the_vms()
    {
        string status = await vch.OkAsync("info", "--format", "{{json .DriverStatus}}");
        Assert.Matches(@"\[""Accelerator"",""(tcg|kvm)""\]", status);
        Assert.Contains(@"[""Backend"",""qemu""]", status);
        Assert.Equal(vch.GuestKernelRelease, await vch.OkAsync("info", "--format", "{{.KernelVersion}}"));
    }

    [Fact]
    public async Task Process_options_reach_the_process()
    {
        string envFile = Path.Combine(vch.Root, "env-" + Guid.NewGuid().ToString("N")[..6]);
        await File.WriteAllTextAsync(envFile, "FROM_FILE=yes\n# a comment\n");
        string output = await vch.OkAsync("run", "--rm", "-e", "FOO=bar baz", "--env-file", envFile, "-w", "/tmp/work", "-u", "app",
            "--hostname", "vmhost", "busybox", "sh", "-c", "echo \"$FOO|$FROM_FILE|$(pwd)|$(id -u):$(id -g)|$(hostname)|$HOME\"");
        Assert.Equal("bar baz|yes|/tmp/work|1000:1000|vmhost|/home/app", output);
        Assert.Equal("1000:100", await vch.OkAsync("run", "--rm", "-u", "1000:100", "busybox", "sh", "-c", "echo $(id -u):$(id -g)"));
        Assert.Equal("via entrypoint", await vch.OkAsync("run", "--rm", "--entrypoint", "echo", "busybox", "via", "entrypoint"));
    }

    [Fact]
    public async Task Memory_and_cpus_size_the_vm()
    {
        string output = await vch.OkAsync("run", "--rm", "-m", "300m", "--cpus", "2", "busybox", "sh", "-c", "nproc; grep MemTotal /proc/meminfo");
        var lines = output.Split('\n');
        Assert.Equal("2", lines[0].Trim());
        long kib = long.Parse(lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.InRange(kib, 200 * 1024, 300 * 1024); // the guest kernel keeps some for itself
        Assert.Equal("1", await vch.OkAsync("run", "--rm", "--cpuset-cpus", "1", "busybox", "nproc"));
    }

    [Fact]
    public async Task Detached_container_is_listed_stopped_and_removed()
    {
        string name = "sleeper-" + Guid.NewGuid().ToString("N")[..6];
        string id = await vch.OkAsync("run", "-d", "--name", name, "-l", "purpose=test", "busybox", "sleep", "1000");
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Contains(name, await vch.OkAsync("ps", "--filter", "label=purpose=test", "--format", "{{.Names}} {{.Status}}"));
        Assert.StartsWith("Up ", await vch.OkAsync("ps", "--filter", "name=" + name, "--format", "{{.Status}}"));
        Assert.Equal(id[..12], await vch.OkAsync("ps", "-q", "--filter", "id=" + id[..10]));
        Assert.Equal("/" + name + " running true", await vch.OkAsync("inspect", "-f", "{{.Name}} {{.State.Status}} {{.State.Running}}", name));

        var refused = await vch.DockerAsync("rm", name);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("container is running", refused.Stderr);

        await vch.OkAsync("stop", "-t", "20", name); // long enough for SIGTERM to act on a loaded host
        Assert.Equal("exited 143", await vch.OkAsync("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", name));
        Assert.Contains(name, await vch.OkAsync("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}"));
        await vch.OkAsync("rm", name);
        Assert.DoesNotContain(id, vch.ContainerDirectories());
    }

    [Fact]
    public async Task Kill_with_a_signal_and_wait_report_docker_exit_codes()
    {
        string id = await vch.OkAsync("run", "-d", "busybox", "sleep", "1000");
        await vch.OkAsync("kill", "-s", "KILL", id);
        Assert.Equal("137", await vch.OkAsync("wait", id));
        string second = await vch.OkAsync("run", "-d", "busybox", "sh", "-c", "sleep 1; exit 7");
        Assert.Equal("7", await vch.OkAsync("wait", second));
        await vch.OkAsync("rm", id, second);
    }

    [Fact]
    public async Task Force_remove_of_a_running_container_leaves_no_vm_or_disk()
    {
        string id = await vch.OkAsync("run", "-d", "busybox", "sleep", "1000");
        Assert.Contains(id, vch.ContainerDirectories());
        await vch.OkAsync("rm", "-f", id);
        Assert.DoesNotContain(id, vch.ContainerDirectories());
        var qemu = await Shell.RunAsync("pgrep", ["-f", id]);
        Assert.Equal("", qemu.Stdout.Trim());
    }

    [Fact]
    public async Task Follow_logs_stream_until_the_container_exits()
    {
        string id = await vch.OkAsync("run", "-d", "busybox", "sh", "-c", "for i in 1 2 3; do echo line $i; sleep 1; done");
        var follow = await vch.DockerAsync("logs", "-f", id);
        Assert.Equal("line 1\nline 2\nline 3", follow.Stdout.Trim());
        await vch.OkAsync("rm", id);
    }
}
