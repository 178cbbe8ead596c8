namespace Vic.Integration.Tests;

/// <summary>docker top and docker pause through the real CLI, on real containerVMs.</summary>
[Collection("vch")]
public sealed class ObservationTests(VchFixture vch)
{
    [Fact]
    public async Task Top_lists_the_containers_processes_and_passes_ps_options_through()
    {
        string id = await vch.OkAsync("run", "-d", "busybox", "sh", "-c", "sleep 600 & sleep 700");
        try
        {
            string table = await vch.OkAsync("top", id);
            var lines = table.Split('\n');
            Assert.Matches(@"^PID\s+USER\s+COMMAND", lines[0]); // busybox ps's own columns
            Assert.Contains(lines, l => l.EndsWith("sleep 600", StringComparison.Ordinal));
            Assert.Contains(lines, l => l.EndsWith("sleep 700", StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains('[') || l.Contains("ps -ef"));

            string custom = await vch.OkAsync("top", id, "-o", "pid,comm");
            Assert.Matches(@"^PID\s+COMMAND", custom);
            Assert.Contains("sleep", custom);
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", id);
        }
    }

    [Fact]
    public async Task Pause_stops_the_vms_cpus_and_unpause_resumes_them()
    {
        // The container counts; while paused its output must not advance.
        string id = await vch.OkAsync("run", "-d", "busybox", "sh", "-c", "i=0; while true; do i=$((i+1)); echo $i; sleep 0.2; done");
        try
        {
            await Eventually.ThatAsync(async () => (await vch.OkAsync("logs", id)).Length > 0, "the counter to print");
            await vch.OkAsync("pause", id);
            Assert.Equal("paused", await vch.OkAsync("inspect", "-f", "{{.State.Status}}", id));
            Assert.Contains("(Paused)", await vch.OkAsync("ps", "--filter", $"id={id}", "--format", "{{.Status}}"));
            string frozen = await vch.OkAsync("logs", id);
            await Task.Delay(1500);
            Assert.Equal(frozen, await vch.OkAsync("logs", id));

            var exec = await vch.DockerAsync("exec", id, "true");
            Assert.Contains("is paused, unpause the container before exec", exec.Stderr);
            var again = await vch.DockerAsync("pause", id);
            Assert.Contains($"Container {id} is already paused", again.Stderr);

            await vch.OkAsync("unpause", id);
            Assert.Equal("running", await vch.OkAsync("inspect", "-f", "{{.State.Status}}", id));
            await Eventually.ThatAsync(async () => (await vch.OkAsync("logs", id)).Length > frozen.Length, "the counter to resume");
            var notPaused = await vch.DockerAsync("unpause", id);
            Assert.Contains($"Container {id} is not paused", notPaused.Stderr);

            // A paused container still stops when asked.
            await vch.OkAsync("pause", id);
            await vch.OkAsync("stop", "-t", "1", id);
            Assert.Equal("exited", await vch.OkAsync("inspect", "-f", "{{.State.Status}}", id));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", id);
        }
    }
}
