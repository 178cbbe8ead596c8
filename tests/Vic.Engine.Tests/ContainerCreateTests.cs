using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vic.Engine.Tests;

public sealed class ContainerCreateTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Create_answers_201_with_Id_and_empty_Warnings()
    {
        var (response, json) = await _server.PostAsync("/v1.44/containers/create?name=web", """{"Image":"busybox","Cmd":["echo","hi"]}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.Matches("^[0-9a-f]{64}$", json.GetProperty("Id").GetString());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("Warnings").ValueKind);
        Assert.Equal(0, json.GetProperty("Warnings").GetArrayLength());
    }

    [Fact]
    public async Task Inspect_has_the_full_docker_shape()
    {
        string id = await _server.CreateAsync("shape", """["echo","a","b"]""",
            """ "Env":["USER_VAR=1","SHARED=user"],"Labels":{"shared":"user"},"Tty":true,"HostConfig":{"Memory":67108864,"NanoCpus":2000000000,"AutoRemove":false,"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"}]},"SomeFutureField":{"x":1}}""");
        var (response, c) = await _server.GetAsync("/v1.44/containers/shape/json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(id, c.GetProperty("Id").GetString());
        Assert.Equal("/shape", c.GetProperty("Name").GetString());
        Assert.Equal("echo", c.GetProperty("Path").GetString());
        Assert.Equal(["a", "b"], c.GetProperty("Args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("sha256:" + new string('1', 64), c.GetProperty("Image").GetString());
        Assert.Equal("vic", c.GetProperty("Driver").GetString());
        Assert.Equal("linux", c.GetProperty("Platform").GetString());
        Assert.Equal(0, c.GetProperty("RestartCount").GetInt32());
        Assert.True(DateTimeOffset.TryParse(c.GetProperty("Created").GetString(), out _));
        Assert.EndsWith("output.log", c.GetProperty("LogPath").GetString());
        Assert.Equal("vic", c.GetProperty("GraphDriver").GetProperty("Name").GetString());
        Assert.Equal(JsonValueKind.Array, c.GetProperty("Mounts").ValueKind);
        Assert.Equal(JsonValueKind.Object, c.GetProperty("NetworkSettings").GetProperty("Networks").ValueKind);
        foreach (var name in (string[])["ResolvConfPath", "HostnamePath", "HostsPath", "MountLabel", "ProcessLabel", "AppArmorProfile"])
            Assert.Equal(JsonValueKind.String, c.GetProperty(name).ValueKind);

        var state = c.GetProperty("State");
        Assert.Equal("created", state.GetProperty("Status").GetString());
        Assert.False(state.GetProperty("Running").GetBoolean());
        Assert.False(state.GetProperty("Paused").GetBoolean());
        Assert.False(state.GetProperty("OOMKilled").GetBoolean());
        Assert.Equal(0, state.GetProperty("Pid").GetInt32());
        Assert.Equal(0, state.GetProperty("ExitCode").GetInt32());
        Assert.Equal("0001-01-01T00:00:00Z", state.GetProperty("StartedAt").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", state.GetProperty("FinishedAt").GetString());

        var hc = c.GetProperty("HostConfig");
        Assert.Equal(67108864, hc.GetProperty("Memory").GetInt64());
        Assert.Equal(2000000000, hc.GetProperty("NanoCpus").GetInt64());
        Assert.Equal("", hc.GetProperty("CpusetCpus").GetString());
        Assert.False(hc.GetProperty("AutoRemove").GetBoolean());
        Assert.Equal("no", hc.GetProperty("RestartPolicy").GetProperty("Name").GetString());
        Assert.Equal("8080", hc.GetProperty("PortBindings").GetProperty("80/tcp")[0].GetProperty("HostPort").GetString());
        Assert.Equal(1, hc.GetProperty("SomeFutureField").GetProperty("x").GetInt32()); // echoed although unknown

        var config = c.GetProperty("Config");
        Assert.Equal(id[..12], config.GetProperty("Hostname").GetString());
        Assert.Equal("busybox", config.GetProperty("Image").GetString());
        Assert.True(config.GetProperty("Tty").GetBoolean());
        Assert.Equal(["echo", "a", "b"], config.GetProperty("Cmd").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(JsonValueKind.Null, config.GetProperty("Entrypoint").ValueKind);
        // dockerd's order: the user's entries, then the image's entries the user did not override.
        Assert.Equal(["USER_VAR=1", "SHARED=user", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "IMAGE_ONLY=1"],
            config.GetProperty("Env").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("user", config.GetProperty("Labels").GetProperty("shared").GetString());
        Assert.Equal("busybox", config.GetProperty("Labels").GetProperty("org.example.base").GetString());
    }

    [Fact]
    public async Task The_port_layer_spec_gets_resources_process_and_annotations()
    {
        string id = await _server.CreateAsync("spec", """["echo"]""",
            """ "Env":["A=1"],"Tty":true,"OpenStdin":true,"StdinOnce":true,"HostConfig":{"Memory":134217728,"NanoCpus":1500000000,"GroupAdd":["1000","staff"]}""");
        var spec = _server.Backend.Get(id).Info.Spec;
        Assert.Equal(["1000", "staff"], spec.Process.AdditionalGroups);
        Assert.Equal(134217728, spec.MemoryBytes);
        Assert.Equal(2, spec.Cpus);
        Assert.Equal("sha256:" + new string('c', 64), spec.ImageLayerId);
        Assert.Equal(id[..12], spec.Hostname);
        Assert.True(spec.Process.Tty && spec.Process.OpenStdin && spec.Process.StdinOnce);
        Assert.Contains("HOSTNAME=" + id[..12], spec.Process.Env);
        Assert.Contains("TERM=xterm", spec.Process.Env);
        Assert.Contains("A=1", spec.Process.Env);
        Assert.Contains("docker.config", spec.Annotations.Keys);
        Assert.Contains("docker.hostconfig", spec.Annotations.Keys);
    }

    [Fact]
    public async Task Image_entrypoint_cmd_workdir_user_and_stop_signal_apply()
    {
        string fromImage = await _server.CreateAsync("ep1", "null", image: "ep");
        var spec = _server.Backend.Get(fromImage).Info.Spec;
        Assert.Equal(["/bin/echo", "from-image"], spec.Process.Args);
        Assert.Equal("/srv", spec.Process.WorkingDir);
        Assert.Equal("nobody", spec.Process.User);
        Assert.Equal(3, spec.StopSignal); // SIGQUIT from the image

        string userCmd = await _server.CreateAsync("ep2", """["x","y"]""", image: "ep");
        Assert.Equal(["/bin/echo", "x", "y"], _server.Backend.Get(userCmd).Info.Spec.Process.Args);

        // A user entrypoint drops the image's Cmd.
        string userEntrypoint = await _server.CreateAsync("ep3", "null", "\"Entrypoint\":[\"/bin/true\"]", image: "ep");
        Assert.Equal(["/bin/true"], _server.Backend.Get(userEntrypoint).Info.Spec.Process.Args);

        // --entrypoint "" resets the image's entrypoint; a string Cmd is one element.
        string reset = await _server.CreateAsync("ep4", "\"ls -l\"", "\"Entrypoint\":[\"\"]", image: "ep");
        Assert.Equal(["ls -l"], _server.Backend.Get(reset).Info.Spec.Process.Args);

        var (_, inspect) = await _server.GetAsync("/containers/ep1/json");
        Assert.Equal(JsonValueKind.Object, inspect.GetProperty("Config").GetProperty("ExposedPorts").GetProperty("80/tcp").ValueKind);
    }

    [Fact]
    public async Task Name_conflict_is_409_with_dockerds_message()
    {
        string id = await _server.CreateAsync("taken", """["echo"]""");
        var (response, json) = await _server.PostAsync("/containers/create?name=taken", """{"Image":"busybox","Cmd":["echo"]}""");
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(
            $"Conflict. The container name \"/taken\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.",
            json.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("a")]
    [InlineData("-bad")]
    [InlineData("with%20space")]
    [InlineData("sl%2Fash")]
    public async Task Invalid_names_are_400(string name)
    {
        var (response, json) = await _server.PostAsync("/containers/create?name=" + name, """{"Image":"busybox","Cmd":["echo"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"Invalid container name ({Uri.UnescapeDataString(name)}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Random_names_look_like_adjective_surname()
    {
        string id = await _server.CreateAsync(null, """["echo"]""");
        Assert.Matches(new Regex("^[a-z]+_[a-z]+[0-9]?$"), _server.Backend.Get(id).Info.Spec.Name);
    }

    [Theory]
    [InlineData("""{"Memory":1048576}""", "Minimum memory limit allowed is 6MB")]
    [InlineData("""{"NanoCpus":5000000000}""", "Range of CPUs is from 0.01 to 4.00, as there are only 4 CPUs available")]
    [InlineData("""{"NanoCpus":1000000000,"CpuPeriod":100000}""", "Conflicting options: Nano CPUs and CPU Period cannot both be set")]
    [InlineData("""{"CpusetCpus":"0-x"}""", "Invalid value 0-x for cpuset cpus: invalid format: 0-x")]
    [InlineData("""{"CpusetCpus":"2-7"}""", "Requested CPUs are not available - requested 2-7, available: 0-3")]
    [InlineData("""{"RestartPolicy":{"Name":"sometimes"}}""",
        "invalid restart policy: unknown policy 'sometimes'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'")]
    [InlineData("""{"AutoRemove":true,"RestartPolicy":{"Name":"always"}}""", "can't create 'AutoRemove' container with restart policy")]
    public async Task Resource_validation_uses_dockerds_messages(string hostConfig, string message)
    {
        var (response, json) = await _server.PostAsync("/containers/create", $$"""{"Image":"busybox","Cmd":["echo"],"HostConfig":{{hostConfig}}}""");
        Assert.Equal((HttpStatusCode.BadRequest, message), (response.StatusCode, json.GetProperty("message").GetString()));
        Assert.Empty(_server.Backend.All);
    }

    [Fact]
    public async Task Unknown_image_is_404_no_such_image_so_the_CLI_pulls()
    {
        var (response, json) = await _server.PostAsync("/containers/create", """{"Image":"nosuch","Cmd":["echo"]}""");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No such image: nosuch:latest", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Bad_json_is_400_invalid_json()
    {
        var (response, json) = await _server.PostAsync("/containers/create", """{"Image":"busybox",""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("invalid JSON: ", json.GetProperty("message").GetString());

        var (typed, typedJson) = await _server.PostAsync("/containers/create", """{"Image":"busybox","Tty":"yes"}""");
        Assert.Equal(HttpStatusCode.BadRequest, typed.StatusCode);
        Assert.StartsWith("invalid JSON: ", typedJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task No_command_is_400()
    {
        var (response, json) = await _server.PostAsync("/containers/create", """{"Image":"busybox","Cmd":[],"Entrypoint":[""]}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("No command specified", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Containers_are_found_by_id_name_slash_name_and_unique_prefix()
    {
        string id = await _server.CreateAsync("findme", """["echo"]""");
        foreach (var reference in (string[])[id, "findme", "%2Ffindme", id[..5]])
        {
            var (response, json) = await _server.GetAsync($"/containers/{reference}/json");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(id, json.GetProperty("Id").GetString());
        }
        var (missing, missingJson) = await _server.GetAsync("/containers/nothere/json");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("No such container: nothere", missingJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task An_ambiguous_prefix_is_400_with_dockerds_message()
    {
        for (int i = 0; i < 40; i++)
            await _server.CreateAsync(null, """["echo"]""");
        var ids = _server.Backend.All.Select(c => c.Info.Spec.Id).ToList();
        string prefix = ids.GroupBy(i => i[..1]).First(g => g.Count() > 1).Key;
        var (response, json) = await _server.GetAsync($"/containers/{prefix}/json");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("multiple IDs found with provided prefix: " + prefix, json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Inspect_config_survives_a_VCH_restart_via_annotations()
    {
        string id = await _server.CreateAsync("durable", """["echo"]""", """ "Labels":{"k":"v"},"HostConfig":{"Memory":67108864}""");
        var info = _server.Backend.Get(id).Info;
        await using var restarted = await EngineServer.StartAsync(backend => backend.Seed(info));
        var (_, json) = await restarted.GetAsync($"/containers/{id}/json");
        Assert.Equal("v", json.GetProperty("Config").GetProperty("Labels").GetProperty("k").GetString());
        Assert.Equal(67108864, json.GetProperty("HostConfig").GetProperty("Memory").GetInt64());
    }

    [Fact]
    public async Task Runtime_is_dockerds_default_name_and_no_other_is_accepted()
    {
        await _server.CreateAsync("plainrt", """["true"]""");
        await _server.CreateAsync("runcrt", """["true"]""", """ "HostConfig":{"Runtime":"runc"}""");
        foreach (var name in (string[])["plainrt", "runcrt"])
        {
            var (_, inspect) = await _server.GetAsync($"/v1.44/containers/{name}/json");
            Assert.Equal("runc", inspect.GetProperty("HostConfig").GetProperty("Runtime").GetString());
        }
        var (_, info) = await _server.GetAsync("/v1.44/info");
        Assert.Equal("runc", info.GetProperty("DefaultRuntime").GetString());
        Assert.Equal(JsonValueKind.Object, info.GetProperty("Runtimes").GetProperty("runc").ValueKind);

        var (refused, json) = await _server.PostAsync("/v1.44/containers/create", """{"Image":"busybox","Cmd":["true"],"HostConfig":{"Runtime":"kata"}}""");
        Assert.Equal((HttpStatusCode.BadRequest, "unknown or invalid runtime name: kata"), (refused.StatusCode, json.GetProperty("message").GetString()));
        Assert.Equal(2, _server.Backend.All.Count);
    }

    [Fact]
    public async Task A_volume_driver_is_looked_up_only_when_a_volume_is_made()
    {
        // dockerd keeps any name on a container that makes no volume; the driver matters only for volumes it makes.
        await _server.CreateAsync("nodisk", """["true"]""", """ "HostConfig":{"VolumeDriver":"foo"}""");
        var (_, inspect) = await _server.GetAsync("/v1.44/containers/nodisk/json");
        Assert.Equal("foo", inspect.GetProperty("HostConfig").GetProperty("VolumeDriver").GetString());

        var (refused, json) = await _server.PostAsync("/v1.44/containers/create",
            """{"Image":"busybox","Cmd":["true"],"Volumes":{"/data":{}},"HostConfig":{"VolumeDriver":"foo"}}""");
        Assert.Equal((HttpStatusCode.NotFound, "create : error looking up volume plugin foo: plugin \"foo\" not found"),
            (refused.StatusCode, json.GetProperty("message").GetString()));
        Assert.Single(_server.Backend.All);
    }
}
