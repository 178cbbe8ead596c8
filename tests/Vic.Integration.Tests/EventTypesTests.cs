using System.Globalization;
using System.Text.Json;

namespace Vic.Integration.Tests;

/// <summary>Image, volume and network events next to container ones, replayed to the real CLI and to python3-docker.</summary>
[Collection("vch")]
public sealed class EventTypesTests(VchFixture vch)
{
    private static string Now(int offset = 0) => (DateTimeOffset.UtcNow.ToUnixTimeSeconds() + offset).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task One_event_of_each_type_is_recorded_and_replayed_with_dockerds_actors_and_attributes()
    {
        string suffix = Guid.NewGuid().ToString("N")[..6];
        string tag = "evt-" + suffix + ":1", volume = "evt-vol-" + suffix, network = "evt-net-" + suffix, name = "evt-c-" + suffix;
        string since = Now(-1);
        await vch.OkAsync("tag", "busybox", tag);
        await vch.OkAsync("volume", "create", volume);
        string networkId = await vch.OkAsync("network", "create", network);
        string id = await vch.OkAsync("run", "-d", "--name", name, "--network", network, "-v", volume + ":/data", "busybox", "sleep", "600");
        await vch.OkAsync("rm", "-f", name);
        await vch.OkAsync("network", "rm", network);
        await vch.OkAsync("volume", "rm", volume);
        await vch.OkAsync("rmi", tag);
        await Task.Delay(1100);
        string until = Now();

        var events = (await vch.OkAsync("events", "--since", since, "--until", until, "--format", "{{json .}}"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        JsonElement One(string type, string action, string actor) =>
            Assert.Single(events, e => e.GetProperty("Type").GetString() == type && e.GetProperty("Action").GetString() == action
                && e.GetProperty("Actor").GetProperty("ID").GetString() == actor);
        string Attribute(JsonElement e, string key) => e.GetProperty("Actor").GetProperty("Attributes").GetProperty(key).GetString()!;

        // A tag names the image by ID and the new reference; the untag names the image by ID alone.
        var tagged = Assert.Single(events, e => e.GetProperty("Type").GetString() == "image" && e.GetProperty("Action").GetString() == "tag"
            && Attribute(e, "name") == tag);
        string imageId = tagged.GetProperty("Actor").GetProperty("ID").GetString()!;
        Assert.StartsWith("sha256:", imageId);
        Assert.Equal("tag", tagged.GetProperty("status").GetString());
        Assert.Equal(imageId, Attribute(One("image", "untag", imageId), "name"));
        // The run's -v names the volume again: dockerd logs a create for each volume a container asks for.
        var creates = events.Where(e => e.GetProperty("Type").GetString() == "volume" && e.GetProperty("Action").GetString() == "create"
            && e.GetProperty("Actor").GetProperty("ID").GetString() == volume).ToList();
        Assert.Equal(2, creates.Count);
        Assert.Equal("local", Attribute(creates[0], "driver"));
        Assert.False(creates[0].TryGetProperty("status", out _));
        var mount = One("volume", "mount", volume);
        Assert.Equal((id, "/data", "true"), (Attribute(mount, "container"), Attribute(mount, "destination"), Attribute(mount, "read/write")));
        One("volume", "unmount", volume);
        One("volume", "destroy", volume);
        Assert.Equal((network, "bridge"), (Attribute(One("network", "create", networkId), "name"), Attribute(One("network", "create", networkId), "type")));
        Assert.Equal(id, Attribute(One("network", "connect", networkId), "container"));
        Assert.Equal(id, Attribute(One("network", "disconnect", networkId), "container"));
        One("network", "destroy", networkId);
        Assert.Equal(name, Attribute(One("container", "start", id), "name"));
        // dockerd's order around a start: the network joined, the volume mounted, then the start.
        var ours = events.Where(e => e.GetProperty("Actor").GetProperty("ID").GetString() is { } a && (a == id || a == volume || a == networkId))
            .Select(e => e.GetProperty("Type").GetString() + " " + e.GetProperty("Action").GetString()).ToList();
        Assert.True(ours.IndexOf("network connect") < ours.IndexOf("volume mount") && ours.IndexOf("volume mount") < ours.IndexOf("container start"),
            string.Join(", ", ours));

        // Filters: a volume's events only, by type and name together.
        string volumeOnly = await vch.OkAsync("events", "--since", since, "--until", until, "--filter", "type=volume", "--filter", "volume=" + volume,
            "--format", "{{.Type}} {{.Action}}");
        Assert.Equal(["volume create", "volume create", "volume mount", "volume unmount", "volume destroy"], volumeOnly.Split('\n'));

        // docker-py reads the same history.
        string script = $$"""
            import docker
            client = docker.DockerClient(base_url="{{vch.DockerHost}}")
            for e in client.events(decode=True, since={{since}}, until={{until}}, filters={"type": "network", "network": "{{network}}"}):
                print(e["Type"], e["Action"], e["Actor"]["Attributes"]["name"])
            """;
        var python = await Shell.RunAsync("python3", ["-c", script]);
        Assert.True(python.ExitCode == 0, python.ToString());
        Assert.Equal($"network create {network}\nnetwork connect {network}\nnetwork disconnect {network}\nnetwork destroy {network}\n", python.Stdout);
    }
}
