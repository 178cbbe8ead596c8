using System.Text.Json;
using Vic.Engine.Events;
using Vic.Engine.Http;
using Vic.Engine.Models;

namespace Vic.Engine.Tests;

/// <summary>GET /events filters on every event type, matched as dockerd's events filter matches them.</summary>
public sealed class EventFilterTests
{
    private const string ImageId = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private static EventMessage Event(string type, string action, string actor, params (string Key, string Value)[] attributes) => new()
    {
        Type = type,
        Action = action,
        Actor = new EventActor(actor, attributes.ToDictionary(a => a.Key, a => a.Value)),
        Time = 1,
        TimeNano = 1,
    };

    private static readonly EventMessage ContainerStart = Event("container", "start", "c0ffee01",
        ("name", "web"), ("image", "busybox:latest"), ("tier", "front"));
    private static readonly EventMessage ImageTag = Event("image", "tag", ImageId, ("name", "docker.io/library/busybox:2"), ("org.example.base", "busybox"));
    private static readonly EventMessage ImagePull = Event("image", "pull", "127.0.0.1:5000/busybox:latest", ("name", "127.0.0.1:5000/busybox:latest"));
    private static readonly EventMessage VolumeMount = Event("volume", "mount", "data", ("driver", "local"), ("container", "c0ffee01"));
    private static readonly EventMessage NetworkConnect = Event("network", "connect", "beef0001", ("name", "front"), ("type", "bridge"), ("container", "c0ffee01"));
    private static readonly EventMessage ExecStart = Event("container", "exec_start: sh -c true", "c0ffee01", ("name", "web"), ("image", "busybox"));

    private static readonly EventMessage[] All = [ContainerStart, ImageTag, ImagePull, VolumeMount, NetworkConnect, ExecStart];

    private static EventMessage[] Passing(string filters)
    {
        var parsed = DockerFilters.Parse(filters, EventFilter.Keys);
        return All.Where(e => EventFilter.Matches(parsed, e)).ToArray();
    }

    [Fact]
    public void Type_selects_events_of_that_type_and_several_values_are_alternatives()
    {
        Assert.Equal([VolumeMount], Passing("""{"type":["volume"]}"""));
        Assert.Equal([VolumeMount, NetworkConnect], Passing("""{"type":["volume","network"]}"""));
    }

    [Fact]
    public void Image_matches_image_events_by_id_or_name_and_container_events_by_their_image_with_or_without_tag()
    {
        Assert.Equal([ContainerStart, ImageTag, ExecStart], Passing("""{"image":["busybox"]}"""));
        Assert.Equal([ContainerStart], Passing("""{"image":["busybox:latest"]}"""));
        Assert.Equal([ImageTag], Passing($$"""{"image":["{{ImageId}}"]}"""));
        Assert.Equal([ImagePull], Passing("""{"image":["127.0.0.1:5000/busybox"]}"""));
        // A type and an image together: both must hold.
        Assert.Equal([ImageTag], Passing("""{"type":["image"],"image":["busybox"]}"""));
    }

    [Fact]
    public void Volume_and_network_match_their_actor_by_id_or_name_prefix()
    {
        Assert.Equal([VolumeMount], Passing("""{"volume":["dat"]}"""));
        Assert.Equal([NetworkConnect], Passing("""{"network":["front"]}"""));
        Assert.Equal([NetworkConnect], Passing("""{"network":["beef"]}"""));
        Assert.Empty(Passing("""{"network":["back"]}"""));
        // The container filter looks at the actor too, so a network event of that container does not pass it (as dockerd).
        Assert.Equal([ContainerStart, ExecStart], Passing("""{"container":["web"]}"""));
    }

    [Fact]
    public void Labels_are_matched_against_the_actors_attributes()
    {
        Assert.Equal([ContainerStart], Passing("""{"label":["tier=front"]}"""));
        Assert.Equal([ImageTag], Passing("""{"label":["org.example.base"]}"""));
        Assert.Empty(Passing("""{"label":["tier=back"]}"""));
    }

    [Fact]
    public void Event_names_match_exactly_unless_a_suffixed_action_is_named()
    {
        Assert.Equal([VolumeMount, NetworkConnect], Passing("""{"event":["mount","connect"]}"""));
        Assert.Equal([ExecStart], Passing("""{"event":["exec_start"]}"""));
        Assert.Equal([ContainerStart, ExecStart], Passing("""{"event":["exec_start","start"]}"""));
    }

    [Fact]
    public void A_volume_event_keeps_no_legacy_fields_in_its_json()
    {
        string json = JsonSerializer.Serialize(VolumeMount, EngineJson.Default.EventMessage);
        using var doc = JsonDocument.Parse(json);
        Assert.False(doc.RootElement.TryGetProperty("status", out _));
        Assert.False(doc.RootElement.TryGetProperty("id", out _));
        Assert.False(doc.RootElement.TryGetProperty("from", out _));
        Assert.Equal("volume", doc.RootElement.GetProperty("Type").GetString());
        Assert.Equal(VolumeMount, JsonSerializer.Deserialize(json, EngineJson.Default.EventMessage)! with { Actor = VolumeMount.Actor });
    }
}
