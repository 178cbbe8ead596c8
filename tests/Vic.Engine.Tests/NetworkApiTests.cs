using System.Net;
using System.Text.Json;
using Vic.Engine.Networks;

namespace Vic.Engine.Tests;

public sealed class NetworkApiTests : IAsyncLifetime
{
    private EngineServer _server = null!;

    public async Task InitializeAsync() => _server = await EngineServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_default_bridge_gets_the_first_16_of_the_pool_and_containers_get_addresses_in_order()
    {
        var (_, networks) = await _server.GetAsync("/v1.44/networks");
        var bridge = networks.EnumerateArray().Single(n => n.GetProperty("Name").GetString() == "bridge");
        Assert.Equal("172.16.0.0/16", bridge.GetProperty("IPAM").GetProperty("Config")[0].GetProperty("Subnet").GetString());
        Assert.Contains(networks.EnumerateArray(), n => n.GetProperty("Name").GetString() == "none");
        Assert.Equal("172.16.0.1/16", _server.Backend.Fabric.Bridges[bridge.GetProperty("Id").GetString()!]);

        string first = await _server.CreateAsync("one", """["sleep"]""");
        string second = await _server.CreateAsync("two", """["sleep"]""");
        var (_, one) = await _server.GetAsync($"/v1.44/containers/{first}/json");
        var (_, two) = await _server.GetAsync($"/v1.44/containers/{second}/json");
        Assert.Equal("172.16.0.2", one.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("bridge").GetProperty("IPAddress").GetString());
        Assert.Equal("172.16.0.3", two.GetProperty("NetworkSettings").GetProperty("IPAddress").GetString());
        Assert.Equal("02:42:ac:10:00:03", two.GetProperty("NetworkSettings").GetProperty("MacAddress").GetString());

        var nics = _server.Backend.Get(second).Info.Spec.Nics;
        Assert.Equal("172.16.0.3/16", Assert.Single(nics).Address);
        Assert.Equal("172.16.0.1", nics[0].Gateway);
        Assert.Equal(["172.16.0.1"], _server.Backend.Get(second).Info.Spec.Dns!.Nameservers);
    }

    [Fact]
    public async Task Outbound_routes_follow_networks_and_leave_out_internal_and_unmasqueraded_ones()
    {
        var (_, json) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"out","IPAM":{"Config":[{"Subnet":"10.40.0.0/24"}]}}""");
        string open = json.GetProperty("Id").GetString()!;
        (_, json) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"in","Internal":true,"IPAM":{"Config":[{"Subnet":"10.41.0.0/24"}]}}""");
        string closed = json.GetProperty("Id").GetString()!;
        (_, json) = await _server.PostAsync("/v1.44/networks/create",
            """{"Name":"nomasq","Options":{"com.docker.network.bridge.enable_ip_masquerade":"false"},"IPAM":{"Config":[{"Subnet":"10.42.0.0/24"}]}}""");
        string unmasqueraded = json.GetProperty("Id").GetString()!;
        string bridge = _server.Backend.Fabric.Bridges.Single(b => b.Value == "172.16.0.1/16").Key;

        // Network changes reach the fabric from an event, shortly after the API answered.
        await WaitForAsync(() => _server.Backend.Fabric.Outbound is { } r && r.InsideSubnets.Contains("10.42.0.0/24"));
        var routes = _server.Backend.Fabric.Outbound!;
        Assert.Equal(new[] { bridge, open }.Order(), routes.NetworkIds.Order());
        Assert.DoesNotContain(closed, routes.NetworkIds);
        Assert.DoesNotContain(unmasqueraded, routes.NetworkIds);
        Assert.Equal(new[] { "172.16.0.0/16", "10.40.0.0/24", "10.41.0.0/24", "10.42.0.0/24" }.Order(), routes.InsideSubnets.Order());
        Assert.InRange(routes.ProxyPort, 1, 65535);
        // The UDP and ping relays started (the test runs as root, as the VCH does) and the same networks use them.
        Assert.InRange(routes.UdpRelayPort, 1, 65535);
        Assert.True(routes.IcmpEcho);

        var (removed, _) = await _server.SendJsonAsync(HttpMethod.Delete, $"/v1.44/networks/{open}");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await WaitForAsync(() => _server.Backend.Fabric.Outbound is { } r && !r.NetworkIds.Contains(open));
        Assert.DoesNotContain("10.40.0.0/24", _server.Backend.Fabric.Outbound!.InsideSubnets);
    }

    [Fact]
    public async Task A_container_network_is_an_external_predefined_network_with_its_own_range_gateway_and_resolvers()
    {
        await using var server = await EngineServer.StartAsync(containerNetworks:
            [new ContainerNetworkOptions("public", "lab/br0", "10.50.0.1/24", "10.50.0.100-10.50.0.101", ["10.50.0.53"])]);
        var (_, networks) = await server.GetAsync("/v1.44/networks");
        var external = networks.EnumerateArray().Single(n => n.GetProperty("Name").GetString() == "public");
        Assert.Equal("external", external.GetProperty("Driver").GetString());
        string id = external.GetProperty("Id").GetString()!;
        Assert.Equal("lab/br0", server.Backend.Fabric.Uplinks[id]);
        Assert.False(server.Backend.Fabric.Bridges.ContainsKey(id)); // no VCH address on it

        const string onPublic = """ "HostConfig":{"NetworkMode":"public"} """;
        string first = await server.CreateAsync("ca", """["sleep"]""", onPublic);
        var spec = server.Backend.Get(first).Info.Spec;
        Assert.Equal("10.50.0.100/24", Assert.Single(spec.Nics).Address);
        Assert.Equal("10.50.0.1", spec.Nics[0].Gateway);
        Assert.Equal(["10.50.0.53"], spec.Dns!.Nameservers);
        await server.CreateAsync("cb", """["sleep"]""", onPublic);
        var (full, fullJson) = await server.PostAsync("/v1.44/containers/create?name=cc", """{"Image":"busybox","Cmd":["sleep"],"HostConfig":{"NetworkMode":"public"}}""");
        Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
        Assert.Contains("no available IPv4 addresses on network public", fullJson.GetProperty("message").GetString());

        var (linked, linkedJson) = await server.PostAsync("/v1.44/containers/create?name=cd", """{"Image":"busybox","Cmd":["sleep"],"HostConfig":{"NetworkMode":"public","Links":["ca:x"]}}""");
        Assert.Equal(HttpStatusCode.BadRequest, linked.StatusCode);
        Assert.Contains("links are only supported for user-defined networks", linkedJson.GetProperty("message").GetString());
        var (removed, removedJson) = await server.SendJsonAsync(HttpMethod.Delete, $"/v1.44/networks/{id}");
        Assert.Equal(HttpStatusCode.Forbidden, removed.StatusCode);
        Assert.Contains("public is a pre-defined network and cannot be removed", removedJson.GetProperty("message").GetString());
        // Container networks are the host's: no NAT through the VCH, and their range is not among the VCH's own.
        await WaitForAsync(() => server.Backend.Fabric.Outbound is not null);
        Assert.DoesNotContain(id, server.Backend.Fabric.Outbound!.NetworkIds);
        Assert.DoesNotContain("10.50.0.0/24", server.Backend.Fabric.Outbound.InsideSubnets);
    }

    [Fact]
    public async Task A_container_network_without_gateway_is_a_dhcp_network_whose_endpoints_show_the_guests_lease()
    {
        await using var server = await EngineServer.StartAsync(containerNetworks: [new ContainerNetworkOptions("lan", "lab/br1", null, null, [])]);
        var (_, network) = await server.GetAsync("/v1.44/networks/lan");
        Assert.Equal("external", network.GetProperty("Driver").GetString());
        Assert.Equal("dhcp", network.GetProperty("IPAM").GetProperty("Driver").GetString());
        Assert.Equal(0, network.GetProperty("IPAM").GetProperty("Config").GetArrayLength());

        string id = await server.CreateAsync("web", """["sleep"]""", """ "HostConfig":{"NetworkMode":"lan"} """);
        var nic = Assert.Single(server.Backend.Get(id).Info.Spec.Nics);
        Assert.True(nic.Dhcp && nic.DhcpRoute && nic.DhcpResolvers);
        Assert.Equal(("", ""), (nic.Address, nic.Gateway));
        Assert.Empty(server.Backend.Get(id).Info.Spec.Dns!.Nameservers); // the lease's servers go to resolv.conf
        Assert.Matches("^02:42:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$", nic.Mac);

        var (refused, refusedJson) = await server.PostAsync("/v1.44/containers/create?name=fixed",
            """{"Image":"busybox","Cmd":["sleep"],"HostConfig":{"NetworkMode":"lan"},"NetworkingConfig":{"EndpointsConfig":{"lan":{"IPAMConfig":{"IPv4Address":"10.60.0.9"}}}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("user specified IP address is not supported on network lan: its addresses come from DHCP", refusedJson.GetProperty("message").GetString());
        var (withDns, _) = await server.PostAsync("/v1.44/containers/create?name=own",
            """{"Image":"busybox","Cmd":["sleep"],"HostConfig":{"NetworkMode":"lan","Dns":["10.9.9.9"]}}""");
        Assert.Equal(HttpStatusCode.Created, withDns.StatusCode);
        var own = server.Backend.Get((await server.GetAsync("/v1.44/containers/own/json")).Json.GetProperty("Id").GetString()!).Info.Spec;
        Assert.False(own.Nics[0].DhcpResolvers);
        Assert.Equal(["10.9.9.9"], own.Dns!.Nameservers);

        await server.PostAsync($"/v1.44/containers/{id}/start");
        var (_, before) = await server.GetAsync($"/v1.44/containers/{id}/json");
        Assert.Equal("", before.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("lan").GetProperty("IPAddress").GetString());

        // What the backend folds in when the guest's DHCP client reports its lease.
        var fake = server.Backend.Get(id);
        fake.Info = fake.Info with { Status = fake.Info.Status with { Leases = [new Vic.PortLayer.NicLease(nic.Mac, "10.60.0.23/24", "10.60.0.1", ["10.60.0.1"])] } };
        var (_, after) = await server.GetAsync($"/v1.44/containers/{id}/json");
        var endpoint = after.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("lan");
        Assert.Equal("10.60.0.23", endpoint.GetProperty("IPAddress").GetString());
        Assert.Equal(24, endpoint.GetProperty("IPPrefixLen").GetInt32());
        Assert.Equal("10.60.0.1", endpoint.GetProperty("Gateway").GetString());
        Assert.Equal(nic.Mac, endpoint.GetProperty("MacAddress").GetString());
        (_, network) = await server.GetAsync("/v1.44/networks/lan");
        Assert.Equal("10.60.0.23/24", network.GetProperty("Containers").GetProperty(id).GetProperty("IPv4Address").GetString());
    }

    [Fact]
    public void The_original_destination_is_read_from_a_kernel_sockaddr_in()
    {
        byte[] sockaddr = [2, 0, 0x1F, 0x90, 10, 234, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.234.0.2"), 8080), OutboundProxy.ParseOriginalDestination(sockaddr));
        Assert.Null(OutboundProxy.ParseOriginalDestination([10, 0, 0x1F, 0x90, 0, 0, 0, 0]));
        Assert.Null(OutboundProxy.ParseOriginalDestination([2, 0, 0x1F]));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (int i = 0; i < 200 && !condition(); i++)
            await Task.Delay(50);
        Assert.True(condition(), "the fabric's outbound routes did not follow the networks");
    }

    [Fact]
    public async Task User_networks_are_created_listed_refused_when_they_overlap_and_removed()
    {
        var (created, json) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"appnet","Labels":{"team":"a"}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string id = json.GetProperty("Id").GetString()!;
        var (_, inspect) = await _server.GetAsync("/v1.44/networks/appnet");
        Assert.Equal("172.17.0.0/16", inspect.GetProperty("IPAM").GetProperty("Config")[0].GetProperty("Subnet").GetString());

        var (duplicate, duplicateJson) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"appnet"}""");
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("network with name appnet already exists", duplicateJson.GetProperty("message").GetString());
        var (overlap, overlapJson) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"x","IPAM":{"Config":[{"Subnet":"172.17.5.0/24"}]}}""");
        Assert.Equal(HttpStatusCode.Forbidden, overlap.StatusCode);
        Assert.StartsWith("Pool overlaps with other one on this address space", overlapJson.GetProperty("message").GetString());
        var (badDriver, _) = await _server.PostAsync("/v1.44/networks/create", """{"Name":"y","Driver":"overlay"}""");
        Assert.Equal(HttpStatusCode.NotFound, badDriver.StatusCode);

        var (_, filtered) = await _server.GetAsync("/v1.44/networks?filters=" + Uri.EscapeDataString("""{"label":["team=a"]}"""));
        Assert.Equal(["appnet"], filtered.EnumerateArray().Select(n => n.GetProperty("Name").GetString()));

        string c = await _server.CreateAsync(null, """["sleep"]""", "\"HostConfig\":{\"NetworkMode\":\"appnet\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"appnet\":{\"Aliases\":[\"svc\"],\"IPAMConfig\":{\"IPv4Address\":\"172.17.0.50\"}}}}");
        var (_, container) = await _server.GetAsync($"/v1.44/containers/{c}/json");
        var endpoint = container.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("appnet");
        Assert.Equal("172.17.0.50", endpoint.GetProperty("IPAddress").GetString());
        Assert.Contains("svc", endpoint.GetProperty("Aliases").EnumerateArray().Select(a => a.GetString()));

        var (busy, busyJson) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/networks/appnet");
        Assert.Equal(HttpStatusCode.Forbidden, busy.StatusCode);
        Assert.Equal($"error while removing network: network appnet id {id} has active endpoints", busyJson.GetProperty("message").GetString());
        await _server.SendJsonAsync(HttpMethod.Delete, $"/v1.44/containers/{c}");
        Assert.Equal(HttpStatusCode.NoContent, (await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/networks/appnet")).Response.StatusCode);
        Assert.False(_server.Backend.Fabric.Bridges.ContainsKey(id));

        var (predefined, predefinedJson) = await _server.SendJsonAsync(HttpMethod.Delete, "/v1.44/networks/bridge");
        Assert.Equal(HttpStatusCode.Forbidden, predefined.StatusCode);
        Assert.Equal("bridge is a pre-defined network and cannot be removed", predefinedJson.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Auxiliary_addresses_are_kept_echoed_and_never_handed_out()
    {
        var (created, json) = await _server.PostAsync("/v1.44/networks/create",
            """{"Name":"auxnet","IPAM":{"Driver":"default","Config":[{"Subnet":"172.28.0.0/16","IPRange":"172.28.5.0/24","Gateway":"172.28.5.254","AuxiliaryAddresses":{"a":"172.28.5.0","b":"172.28.5.1"}}]}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var (_, inspect) = await _server.GetAsync("/v1.44/networks/auxnet");
        var ipam = inspect.GetProperty("IPAM");
        Assert.Equal("default", ipam.GetProperty("Driver").GetString());
        Assert.Equal(JsonValueKind.Null, ipam.GetProperty("Options").ValueKind);
        Assert.Equal("""{"Subnet":"172.28.0.0/16","IPRange":"172.28.5.0/24","Gateway":"172.28.5.254","AuxiliaryAddresses":{"a":"172.28.5.0","b":"172.28.5.1"}}""",
            ipam.GetProperty("Config")[0].GetRawText());

        string c = await _server.CreateAsync(null, """["sleep"]""", "\"HostConfig\":{\"NetworkMode\":\"auxnet\"}");
        var (_, container) = await _server.GetAsync($"/v1.44/containers/{c}/json");
        Assert.Equal("172.28.5.2", container.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("auxnet").GetProperty("IPAddress").GetString());

        var (outside, outsideJson) = await _server.PostAsync("/v1.44/networks/create",
            """{"Name":"bad","IPAM":{"Config":[{"Subnet":"172.29.0.0/16","AuxiliaryAddresses":{"x":"10.0.0.1"}}]}}""");
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
        Assert.Equal("auxiliary address: (x:10.0.0.1) must belong to the master pool: 172.29.0.0/16", outsideJson.GetProperty("message").GetString());
        Assert.DoesNotContain(_server.Backend.Fabric.Bridges.Values, b => b.StartsWith("172.29.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Endpoint_requests_are_echoed_in_inspect_as_dockerd_does()
    {
        await _server.PostAsync("/v1.44/networks/create", """{"Name":"echo","IPAM":{"Config":[{"Subnet":"132.124.0.0/16"}]}}""");
        string c = await _server.CreateAsync(null, """["sleep"]""", "\"HostConfig\":{\"NetworkMode\":\"echo\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"echo\":"
            + "{\"IPAMConfig\":{\"IPv4Address\":\"132.124.0.23\",\"LinkLocalIPs\":[\"169.254.8.8\"]},\"Links\":[\"upstream:bar\"],\"DriverOpts\":{\"com.example.on\":\"yes\"}}}}");
        var (_, container) = await _server.GetAsync($"/v1.44/containers/{c}/json");
        var endpoint = container.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("echo");
        Assert.Equal("132.124.0.23", endpoint.GetProperty("IPAMConfig").GetProperty("IPv4Address").GetString());
        Assert.Equal(["169.254.8.8"], endpoint.GetProperty("IPAMConfig").GetProperty("LinkLocalIPs").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["upstream:bar"], endpoint.GetProperty("Links").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("yes", endpoint.GetProperty("DriverOpts").GetProperty("com.example.on").GetString());

        string plain = await _server.CreateAsync(null, """["sleep"]""");
        var (_, plainJson) = await _server.GetAsync($"/v1.44/containers/{plain}/json");
        var bridge = plainJson.GetProperty("NetworkSettings").GetProperty("Networks").GetProperty("bridge");
        Assert.Equal(JsonValueKind.Null, bridge.GetProperty("IPAMConfig").ValueKind);
        Assert.Equal(JsonValueKind.Null, bridge.GetProperty("Links").ValueKind);
    }

    [Fact]
    public async Task A_link_alias_resolves_for_the_linking_container_only()
    {
        await _server.PostAsync("/v1.44/networks/create", """{"Name":"linked"}""");
        string linking = await _server.CreateAsync("client", """["sleep"]""",
            "\"HostConfig\":{\"NetworkMode\":\"linked\"},\"NetworkingConfig\":{\"EndpointsConfig\":{\"linked\":{\"Links\":[\"upstream:bar\"]}}}");
        string upstream = await _server.CreateAsync("upstream", """["sleep"]""", "\"HostConfig\":{\"NetworkMode\":\"linked\"}");
        string other = await _server.CreateAsync("other", """["sleep"]""", "\"HostConfig\":{\"NetworkMode\":\"linked\"}");
        foreach (string id in (string[])[linking, upstream, other])
            await _server.PostAsync($"/v1.44/containers/{id}/start");
        string Address(string id) => NetworkAnnotations.Read(_server.Backend.Get(id).Info).Single().IPAddress;

        var dns = (DnsServer)_server.Services.GetService(typeof(DnsServer))!;
        var network = ((NetworkService)_server.Services.GetService(typeof(NetworkService))!).Find("linked");
        var answer = await dns.LookupAsync(network, "bar.", IPAddress.Parse(Address(linking)), CancellationToken.None);
        Assert.Equal([IPAddress.Parse(Address(upstream))], answer);
        Assert.Empty(await dns.LookupAsync(network, "bar.", IPAddress.Parse(Address(other)), CancellationToken.None));
        Assert.Equal([IPAddress.Parse(Address(upstream))], await dns.LookupAsync(network, "upstream", null, CancellationToken.None));
    }

    [Fact]
    public async Task Static_addresses_on_the_default_bridge_and_host_mode_are_refused()
    {
        var (response, json) = await _server.PostAsync("/v1.44/containers/create", """{"Image":"busybox","Cmd":["sleep"],"HostConfig":{"NetworkMode":"host"}}""");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("every container is a VM", json.GetProperty("message").GetString());
        var (staticIp, staticJson) = await _server.PostAsync("/v1.44/containers/create",
            """{"Image":"busybox","Cmd":["sleep"],"NetworkingConfig":{"EndpointsConfig":{"bridge":{"IPAMConfig":{"IPv4Address":"172.16.0.9"}}}}}""");
        Assert.Equal(HttpStatusCode.BadRequest, staticIp.StatusCode);
        Assert.Equal("user specified IP address is supported on user defined networks only", staticJson.GetProperty("message").GetString());
        Assert.Empty(_server.Backend.All);
    }

    [Fact]
    public void Dns_answers_carry_the_question_id_and_a_records()
    {
        // A query for "web." type A, ID 0x1234, recursion desired.
        byte[] query = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, (byte)'w', (byte)'e', (byte)'b', 0, 0, 1, 0, 1];
        Assert.True(DnsMessage.TryReadQuestion(query, out string name, out ushort type, out int end));
        Assert.Equal(("web", (ushort)1, query.Length), (name, type, end));
        byte[] answer = DnsMessage.Answer(query, end, [IPAddress.Parse("172.16.0.2"), IPAddress.Parse("172.16.0.3")], 600);
        Assert.Equal([0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0], answer[..12]);
        Assert.Equal([172, 16, 0, 3], answer[^4..]);
        Assert.Equal(query.Length + 2 * 16, answer.Length);
        byte[] failure = DnsMessage.Failure(query, end, DnsMessage.ServerFailure);
        Assert.Equal(0x82, failure[3]);
        Assert.False(DnsMessage.TryReadQuestion([1, 2, 3], out _, out _, out _));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.1", "10.255.255.254")]
    [InlineData("192.168.4.0/22", "192.168.4.1", "192.168.7.254")]
    public void Subnets_know_their_hosts(string cidr, string first, string last)
    {
        var subnet = Ipv4Subnet.Parse(cidr);
        Assert.Equal(first, Ipv4Subnet.Format(subnet.FirstHost));
        Assert.Equal(last, Ipv4Subnet.Format(subnet.LastHost));
        Assert.Throws<Vic.PortLayer.InvalidArgumentException>(() => Ipv4Subnet.Parse("10.0.0.1/8"));
    }
}
