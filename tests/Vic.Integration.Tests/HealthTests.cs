namespace Vic.Integration.Tests;

/// <summary>Health checks through the real docker CLI: probes are execs in the containerVM, run by the VCH.</summary>
[Collection("vch")]
public sealed class HealthTests(VchFixture vch)
{
    [Fact]
    public async Task Checks_turn_containers_healthy_or_unhealthy_with_events_ps_filters_and_a_log()
    {
        // The event stream ends by itself at --until; it runs while the rest of the test goes on.
        string until = DateTimeOffset.UtcNow.AddSeconds(75).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var events = vch.DockerAsync("events", "--filter", "event=health_status", "--until", until, "--format", "{{.Action}} {{.Actor.Attributes.name}}");
        string[] names = ["hc-ok", "hc-bad", "hc-off"];
        try
        {
            await vch.OkAsync("run", "-d", "--name", "hc-ok", "--health-cmd", "test -d /proc", "--health-interval", "1s", "busybox", "sleep", "600");
            await vch.OkAsync("run", "-d", "--name", "hc-bad", "--health-cmd", "echo failing; exit 3", "--health-interval", "1s",
                "--health-retries", "2", "busybox", "sleep", "600");
            await vch.OkAsync("run", "-d", "--name", "hc-off", "--no-healthcheck", "busybox", "sleep", "600");

            await Eventually.ThatAsync(async () => await HealthAsync("hc-ok") == "healthy", "hc-ok is healthy");
            await Eventually.ThatAsync(async () => await HealthAsync("hc-bad") == "unhealthy", "hc-bad is unhealthy");
            Assert.Equal("<nil>", await vch.OkAsync("inspect", "-f", "{{.State.Health}}", "hc-off"));
            Assert.Equal("""{"Test":["CMD-SHELL","echo failing; exit 3"],"Interval":1000000000,"Retries":2}""",
                await vch.OkAsync("inspect", "-f", "{{json .Config.Healthcheck}}", "hc-bad"));
            Assert.True(int.Parse(await vch.OkAsync("inspect", "-f", "{{.State.Health.FailingStreak}}", "hc-bad")) >= 2);
            Assert.Contains("\"ExitCode\":3,\"Output\":\"failing\\n\"", await vch.OkAsync("inspect", "-f", "{{json .State.Health.Log}}", "hc-bad"));

            Assert.Matches(@"^Up .* \(healthy\)$", await vch.OkAsync("ps", "--filter", "name=hc-ok", "--format", "{{.Status}}"));
            Assert.Equal("hc-ok", await vch.OkAsync("ps", "--filter", "health=healthy", "--format", "{{.Names}}"));
            Assert.Equal("hc-bad", await vch.OkAsync("ps", "--filter", "health=unhealthy", "--format", "{{.Names}}"));
            Assert.Contains("hc-off", (await vch.OkAsync("ps", "--filter", "health=none", "--format", "{{.Names}}")).Split('\n'));
            var refused = await vch.DockerAsync("ps", "--filter", "health=sick");
            Assert.Contains("Unrecognised filter value for health: sick", refused.Stderr);

            // Stopped, the container reads unhealthy (as dockerd's does) and is no longer probed.
            await vch.OkAsync("stop", "-t", "1", "hc-ok");
            Assert.Equal("unhealthy", await HealthAsync("hc-ok"));

            var stream = await events;
            Assert.Contains("health_status: healthy hc-ok", stream.Stdout);
            Assert.Contains("health_status: unhealthy hc-bad", stream.Stdout);
        }
        finally
        {
            await vch.DockerAsync(["rm", "-f", .. names]);
        }
    }

    [Fact]
    public async Task An_images_healthcheck_applies_unless_the_container_disables_it()
    {
        string source = await vch.OkAsync("create", "busybox", "true");
        string? withCheck = null, disabled = null;
        try
        {
            // HEALTHCHECK as a change instruction, as dockerd's commit takes it.
            await vch.OkAsync("commit", "-c", "HEALTHCHECK --interval=1s --retries=1 CMD [\"true\"]", source, "hc-image:1");
            Assert.Equal("""{"Test":["CMD","true"],"Interval":1000000000,"Retries":1}""",
                await vch.OkAsync("image", "inspect", "-f", "{{json .Config.Healthcheck}}", "hc-image:1"));

            withCheck = await vch.OkAsync("run", "-d", "hc-image:1", "sleep", "600");
            disabled = await vch.OkAsync("run", "-d", "--no-healthcheck", "hc-image:1", "sleep", "600");
            await Eventually.ThatAsync(async () => await HealthAsync(withCheck) == "healthy", "the image's check made it healthy");
            Assert.Equal("<nil>", await vch.OkAsync("inspect", "-f", "{{.State.Health}}", disabled));
            Assert.Equal("0", await vch.OkAsync("inspect", "-f", "{{.State.Health.FailingStreak}}", withCheck));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", source);
            if (withCheck is not null)
                await vch.DockerAsync("rm", "-f", withCheck);
            if (disabled is not null)
                await vch.DockerAsync("rm", "-f", disabled);
            await vch.DockerAsync("rmi", "hc-image:1");
        }
    }

    private async Task<string> HealthAsync(string container) =>
        (await vch.DockerAsync("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{end}}", container)).Stdout.Trim();
}
