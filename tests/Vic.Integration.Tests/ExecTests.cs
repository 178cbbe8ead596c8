namespace Vic.Integration.Tests;

/// <summary>docker exec through the real CLI: extra processes inside a running containerVM.</summary>
[Collection("vch")]
public sealed class ExecTests(VchFixture vch)
{
    [Fact]
    public async Task Exec_runs_beside_the_main_process_with_its_options_streams_and_exit_codes()
    {
        string id = await vch.OkAsync("run", "-d", "-e", "FROM_RUN=r", "-w", "/srv", "busybox", "sleep", "600");
        try
        {
            var both = await vch.DockerAsync("exec", id, "sh", "-c", "echo out $FROM_RUN; pwd; echo err >&2; exit 5");
            Assert.Equal(5, both.ExitCode);
            Assert.Equal("out r\n/srv", both.Stdout.Trim());
            Assert.Equal("err", both.Stderr.Trim());

            string options = await vch.OkAsync("exec", "-e", "EXTRA=x", "-w", "/tmp", "-u", "1000:1000", id, "sh", "-c", "echo $EXTRA $FROM_RUN; pwd; id -u; id -g");
            Assert.Equal("x r\n/tmp\n1000\n1000", options);
            Assert.Equal("root", await vch.OkAsync("exec", "--privileged", "-u", "root", id, "whoami"));

            var missing = await vch.DockerAsync("exec", id, "no-such-command");
            Assert.Equal(127, missing.ExitCode);
            Assert.Contains("OCI runtime exec failed: exec failed: unable to start container process: exec: \"no-such-command\": executable file not found in $PATH: unknown", missing.Stdout + missing.Stderr);
            var notExecutable = await vch.DockerAsync("exec", id, "/etc");
            Assert.Equal(126, notExecutable.ExitCode);
            var badDir = await vch.DockerAsync("exec", "-w", "/does/not/exist", id, "true");
            Assert.Equal(126, badDir.ExitCode); // dockerd's code for an exec that failed to start for another reason
            Assert.Contains("/does/not/exist", badDir.Stdout + badDir.Stderr);

            var input = await vch.DockerWithInputAsync("line one\nline two\n", "exec", "-i", id, "sh", "-c", "cat; echo end");
            Assert.Equal(0, input.ExitCode);
            Assert.Equal("line one\nline two\nend", input.Stdout.Trim());

            Assert.Equal("", await vch.OkAsync("exec", "-d", id, "sh", "-c", "sleep 1; echo detached > /tmp/flag"));
            await Eventually.ThatAsync(async () => (await vch.DockerAsync("exec", id, "cat", "/tmp/flag")).Stdout.Trim() == "detached", "the detached exec to write its file");

            // Many at once, each with its own output and exit code.
            var many = Enumerable.Range(1, 6).Select(i => vch.DockerAsync("exec", id, "sh", "-c", $"echo n{i}; exit {i}")).ToList();
            var results = await Task.WhenAll(many);
            for (int i = 0; i < results.Length; i++)
            {
                Assert.Equal(i + 1, results[i].ExitCode);
                Assert.Equal($"n{i + 1}", results[i].Stdout.Trim());
            }

            // Exec output is the exec's own: docker logs shows only the container's process.
            Assert.Equal("", (await vch.DockerAsync("logs", id)).Stdout.Trim());
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", id);
        }
    }

    [Fact]
    public async Task Exec_with_a_tty_gets_a_terminal_of_the_clients_size()
    {
        string id = await vch.OkAsync("run", "-d", "busybox", "sleep", "600");
        try
        {
            // script(1) gives the CLI a real terminal; stty sets its size, which the CLI sends with the exec start.
            var result = await Shell.RunAsync("script", ["-qec", $"stty rows 31 cols 97; docker exec -t {id} sh -c 'tty; stty size'", "/dev/null"],
                new Dictionary<string, string> { ["DOCKER_HOST"] = vch.DockerHost });
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Matches(@"/dev/pts/\d+", result.Stdout);
            Assert.Contains("31 97", result.Stdout);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", id);
        }
    }

    [Fact]
    public async Task Exec_into_a_stopped_container_is_refused_with_dockers_message()
    {
        string id = await vch.OkAsync("create", "busybox", "true");
        var refused = await vch.DockerAsync("exec", id, "true");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"Error response from daemon: Container {id} is not running", refused.Stderr);
        await vch.OkAsync("rm", id);
    }
}
