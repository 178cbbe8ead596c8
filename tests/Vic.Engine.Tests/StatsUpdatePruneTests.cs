using System.Net;
using System.Text.Json;
using Vic.Engine.Tests.Fakes;
using Vic.PortLayer;

namespace Vic.Engine.Tests;

/// <summary>docker stats, docker update and docker container prune over the fake backend.</summary>
public sealed class StatsUpdatePruneTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Stats_without_stream_carries_two_samples_shaped_as_dockerd()
    {
        string id = await _server.CreateAsync("st", """["sleep"]""", """ "HostConfig":{"Memory":268435456}""");
        await _server.PostAsync($"/containers/{id}/start");
        var (response, json) = await _server.GetAsync("/v1.44/containers/st/stats?stream=false");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/st", json.GetProperty("name").GetString());
        Assert.Equal(id, json.GetProperty("id").GetString());
        Assert.NotEqual("0001-01-01T00:00:00Z", json.GetProperty("preread").GetString());

        var cpu = json.GetProperty("cpu_stats");
        var pre = json.GetProperty("precpu_stats");
        ulong cpuDelta = cpu.GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64() - pre.GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64();
        ulong hostDelta = cpu.GetProperty("system_cpu_usage").GetUInt64() - pre.GetProperty("system_cpu_usage").GetUInt64();
        Assert.Equal(FakeBackend.CpuStepNs, cpuDelta);
        Assert.Equal(FakeBackend.HostStepNs, hostDelta);
        Assert.Equal(4u, cpu.GetProperty("online_cpus").GetUInt32());

        var memory = json.GetProperty("memory_stats");
        Assert.Equal(FakeBackend.MemoryUsage, memory.GetProperty("usage").GetUInt64());
        Assert.Equal(268435456UL, memory.GetProperty("limit").GetUInt64());

        var bytes = json.GetProperty("blkio_stats").GetProperty("io_service_bytes_recursive").EnumerateArray().ToList();
        Assert.Equal(["read", "write"], bytes.Select(e => e.GetProperty("op").GetString()));
        Assert.All(bytes, e => Assert.Equal(254UL, e.GetProperty("major").GetUInt64()));
        var eth0 = json.GetProperty("networks").GetProperty("eth0");
        Assert.True(eth0.GetProperty("rx_bytes").GetUInt64() > 0);
        Assert.True(eth0.GetProperty("tx_packets").GetUInt64() > 0);
    }

    [Fact]
    public async Task One_shot_stats_have_an_empty_pre_sample()
    {
        string id = await _server.CreateAsync("one", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        var (_, json) = await _server.GetAsync($"/v1.44/containers/{id}/stats?stream=false&one-shot=true");
        Assert.Equal("0001-01-01T00:00:00Z", json.GetProperty("preread").GetString());
        Assert.Equal(0UL, json.GetProperty("precpu_stats").GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64());
        Assert.True(json.GetProperty("cpu_stats").GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64() > 0);

        var (bad, badJson) = await _server.GetAsync($"/v1.44/containers/{id}/stats?stream=true&one-shot=true");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("cannot have stream=true and one-shot=true", badJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Stats_of_a_stopped_container_are_zero_and_of_a_missing_one_404()
    {
        await _server.CreateAsync("idle", """["sleep"]""");
        var (_, json) = await _server.GetAsync("/v1.44/containers/idle/stats?stream=0");
        Assert.Equal("0001-01-01T00:00:00Z", json.GetProperty("read").GetString());
        Assert.Equal(0UL, json.GetProperty("cpu_stats").GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64());
        Assert.False(json.TryGetProperty("networks", out _));

        var (missing, missingJson) = await _server.GetAsync("/v1.44/containers/nosuch/stats?stream=0");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("No such container: nosuch", missingJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Streamed_stats_send_one_document_a_second_each_with_the_previous_as_pre_sample()
    {
        string id = await _server.CreateAsync("flow", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        using var response = await _server.Client.GetAsync($"/v1.44/containers/{id}/stats", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        using var first = JsonDocument.Parse((await reader.ReadLineAsync())!);
        using var second = JsonDocument.Parse((await reader.ReadLineAsync())!);
        Assert.Equal("0001-01-01T00:00:00Z", first.RootElement.GetProperty("preread").GetString());
        Assert.Equal(first.RootElement.GetProperty("read").GetString(), second.RootElement.GetProperty("preread").GetString());
        Assert.Equal(
            first.RootElement.GetProperty("cpu_stats").GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64(),
            second.RootElement.GetProperty("precpu_stats").GetProperty("cpu_usage").GetProperty("total_usage").GetUInt64());
    }

    [Fact]
    public async Task Update_changes_the_restart_policy_in_the_spec_and_in_inspect()
    {
        string id = await _server.CreateAsync("up", """["sleep"]""");
        await _server.PostAsync($"/containers/{id}/start");
        var (response, json) = await _server.PostAsync("/v1.44/containers/up/update",
            """{"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3},"CpuShares":0,"BlkioWeight":0}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, json.GetProperty("Warnings").GetArrayLength());
        Assert.Equal(new ContainerRestartPolicy(RestartMode.OnFailure, 3), _server.Backend.Get(id).Info.Spec.Restart);
        var (_, inspect) = await _server.GetAsync("/v1.44/containers/up/json");
        var policy = inspect.GetProperty("HostConfig").GetProperty("RestartPolicy");
        Assert.Equal("on-failure", policy.GetProperty("Name").GetString());
        Assert.Equal(3, policy.GetProperty("MaximumRetryCount").GetInt32());
    }

    [Fact]
    public async Task Cpu_shares_are_given_to_the_vm_at_create_and_changed_on_a_running_one()
    {
        string id = await _server.CreateAsync("weighted", """["sleep"]""", """ "HostConfig":{"CpuShares":2048}""");
        Assert.Equal(2048, _server.Backend.Get(id).Info.Spec.CpuShares);
        await _server.PostAsync($"/containers/{id}/start");
        // What the CLI sends for docker update --cpu-shares 512: every resource field, zero when not given.
        var (response, json) = await _server.PostAsync("/v1.44/containers/weighted/update",
            """{"CpuShares":512,"Memory":0,"NanoCpus":0,"CpuQuota":0,"CpusetCpus":"","BlkioWeight":0}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, json.GetProperty("Warnings").GetArrayLength());
        Assert.Equal(512, _server.Backend.Get(id).Info.Spec.CpuShares);
        var (_, inspect) = await _server.GetAsync("/v1.44/containers/weighted/json");
        Assert.Equal(512, inspect.GetProperty("HostConfig").GetProperty("CpuShares").GetInt64());
    }

    [Fact]
    public async Task Update_refuses_resizing_a_running_vm_and_fields_a_vm_cannot_honour_changing_nothing()
    {
        string id = await _server.CreateAsync("rz", """["sleep"]""", """ "HostConfig":{"Memory":268435456}""");
        await _server.PostAsync($"/containers/{id}/start");
        var (running, runningJson) = await _server.PostAsync("/v1.44/containers/rz/update", """{"Memory":536870912}""");
        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.StartsWith($"Cannot update container {id}: the memory of a running containerVM can be lowered but not raised above the 268435456 bytes",
            runningJson.GetProperty("message").GetString());
        var (cpus, cpusJson) = await _server.PostAsync("/v1.44/containers/rz/update", """{"NanoCpus":2000000000}""");
        Assert.Equal(HttpStatusCode.Conflict, cpus.StatusCode);
        Assert.StartsWith($"Cannot update container {id}: the CPUs of a running containerVM cannot be changed", cpusJson.GetProperty("message").GetString());
        var (blkio, blkioJson) = await _server.PostAsync("/v1.44/containers/rz/update", """{"BlkioWeight":300}""");
        Assert.Equal(HttpStatusCode.BadRequest, blkio.StatusCode);
        Assert.Equal($"Cannot update container {id}: BlkioWeight cannot be set on a containerVM", blkioJson.GetProperty("message").GetString());
        var (policy, policyJson) = await _server.PostAsync("/v1.44/containers/rz/update", """{"RestartPolicy":{"Name":"sometimes"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, policy.StatusCode);
        Assert.StartsWith("invalid restart policy: unknown policy 'sometimes'", policyJson.GetProperty("message").GetString());
        Assert.Equal(268435456, _server.Backend.Get(id).Info.Spec.MemoryBytes);
        Assert.Equal(ContainerRestartPolicy.No, _server.Backend.Get(id).Info.Spec.Restart);

        await _server.PostAsync($"/containers/{id}/stop?t=0");
        var (stopped, _) = await _server.PostAsync("/v1.44/containers/rz/update", """{"Memory":536870912}""");
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Equal(536870912, _server.Backend.Get(id).Info.Spec.MemoryBytes);
    }

    [Fact]
    public async Task Update_lowers_a_running_containers_memory_and_keeps_its_network_endpoints()
    {
        string id = await _server.CreateAsync("low", """["sleep"]""", """ "HostConfig":{"Memory":419430400}""");
        await _server.PostAsync($"/containers/{id}/start");
        var (_, before) = await _server.GetAsync("/v1.44/containers/low/json");
        var (response, _) = await _server.PostAsync("/v1.44/containers/low/update", """{"Memory":314572800}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(314572800, _server.Backend.Get(id).Info.Spec.MemoryBytes);
        var (_, after) = await _server.GetAsync("/v1.44/containers/low/json");
        Assert.Equal(314572800, after.GetProperty("HostConfig").GetProperty("Memory").GetInt64());
        // The update rewrites the Docker config among the container's annotations, not over the others.
        Assert.Equal(before.GetProperty("NetworkSettings").GetProperty("Networks").GetRawText(),
            after.GetProperty("NetworkSettings").GetProperty("Networks").GetRawText());
        Assert.True(after.GetProperty("NetworkSettings").GetProperty("Networks").EnumerateObject().Any());
    }

    [Fact]
    public async Task Update_of_an_AutoRemove_container_refuses_a_restart_policy()
    {
        await _server.CreateAsync("rm", """["sleep"]""", """ "HostConfig":{"AutoRemove":true}""");
        var (response, json) = await _server.PostAsync("/v1.44/containers/rm/update", """{"RestartPolicy":{"Name":"always"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Restart policy cannot be updated because AutoRemove is enabled for the container", json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Prune_removes_stopped_containers_matching_label_filters_and_keeps_running_ones()
    {
        string keep = await _server.CreateAsync("keep", """["sleep"]""", """ "Labels":{"tier":"db"}""");
        string gone = await _server.CreateAsync("gone", """["sleep"]""", """ "Labels":{"tier":"web"}""");
        string also = await _server.CreateAsync("also", """["sleep"]""");
        string running = await _server.CreateAsync("running", """["sleep"]""");
        await _server.PostAsync($"/containers/{running}/start");

        var (response, json) = await _server.PostAsync("/v1.44/containers/prune?filters=" + Uri.EscapeDataString("""{"label!":["tier=db"]}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deleted = json.GetProperty("ContainersDeleted").EnumerateArray().Select(e => e.GetString()).ToHashSet();
        Assert.Equal(new HashSet<string?> { gone, also }, deleted);
        // The fake's containers each take 4096 bytes of disk (DiskBytes): what removing them frees.
        Assert.Equal(8192UL, json.GetProperty("SpaceReclaimed").GetUInt64());
        Assert.Equal(new HashSet<string> { keep, running }, _server.Backend.All.Select(c => c.Info.Spec.Id).ToHashSet());

        var (_, none) = await _server.PostAsync("/v1.44/containers/prune?filters=" + Uri.EscapeDataString("""{"label":["tier=web"]}"""));
        Assert.Equal(JsonValueKind.Null, none.GetProperty("ContainersDeleted").ValueKind);
    }

    [Fact]
    public async Task Prune_until_keeps_newer_containers_and_rejects_unknown_filters()
    {
        await _server.CreateAsync("fresh", """["sleep"]""");
        var (_, json) = await _server.PostAsync("/v1.44/containers/prune?filters=" + Uri.EscapeDataString("""{"until":["1h"]}"""));
        Assert.Equal(JsonValueKind.Null, json.GetProperty("ContainersDeleted").ValueKind);
        Assert.Single(_server.Backend.All);

        var (bad, badJson) = await _server.PostAsync("/v1.44/containers/prune?filters=" + Uri.EscapeDataString("""{"status":["exited"]}"""));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("invalid filter 'status'", badJson.GetProperty("message").GetString());

        var (_, all) = await _server.PostAsync("/v1.44/containers/prune?filters=" + Uri.EscapeDataString($$"""{"until":["{{DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds()}}"]}"""));
        Assert.Equal(1, all.GetProperty("ContainersDeleted").GetArrayLength());
    }

    [Fact]
    public void Until_reads_go_durations_unix_seconds_and_dates()
    {
        var now = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(now.AddMinutes(-90), Containers.PruneFilter.ParseTime("1h30m", now));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000).AddMilliseconds(500), Containers.PruneFilter.ParseTime("1700000000.5", now));
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), Containers.PruneFilter.ParseTime("2024-01-02T03:04:05Z", now));
        Assert.Throws<InvalidArgumentException>(() => Containers.PruneFilter.ParseTime("yesterday", now));
    }
}
