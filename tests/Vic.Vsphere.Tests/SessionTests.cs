using Vic.TestSupport;

namespace Vic.Vsphere.Tests;

[Collection("vcsim")]
public sealed class SessionTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Login_with_the_right_password_gives_a_session_on_a_vcenter()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        Assert.True(client.ServiceContent.IsVCenter);
        Assert.False(string.IsNullOrEmpty(client.SessionKey));
        Assert.Equal(1, client.LoginCount);
        var now = await client.CurrentTimeAsync();
        Assert.True(Math.Abs((now - DateTimeOffset.UtcNow).TotalMinutes) < 5, $"server time {now}");
    }

    [Fact]
    public async Task A_wrong_password_is_an_InvalidLogin_fault_with_vspheres_message()
    {
        var fault = await Assert.ThrowsAsync<InvalidLoginFault>(() => VsphereClient.ConnectAsync(Simulator.Options(simulator, password: "wrong")));
        Assert.Equal("InvalidLogin", fault.FaultType);
        Assert.Equal("Login failure", fault.Message);
        Assert.Equal("Login", fault.Method);
    }

    [Fact]
    public async Task A_certificate_with_another_thumbprint_is_refused_naming_the_thumbprint_seen()
    {
        string wrong = string.Join(':', Enumerable.Repeat("AB", 20));
        var error = await Assert.ThrowsAsync<VsphereCertificateException>(() => VsphereClient.ConnectAsync(Simulator.Options(simulator, thumbprint: wrong)));
        Assert.Equal(simulator.Thumbprint, error.SeenThumbprint);
        Assert.Contains(simulator.Thumbprint, error.Message);
        Assert.Contains("does not match the expected " + wrong, error.Message);
    }

    [Fact]
    public async Task A_self_signed_certificate_is_refused_without_a_thumbprint()
    {
        var options = Simulator.Options(simulator) with { Thumbprint = null };
        var error = await Assert.ThrowsAsync<VsphereCertificateException>(() => VsphereClient.ConnectAsync(options));
        Assert.Contains("not trusted by the system", error.Message);
        Assert.Equal(simulator.Thumbprint, error.SeenThumbprint);
    }

    [Fact]
    public async Task A_sha256_thumbprint_without_colons_is_accepted()
    {
        using var tls = new System.Net.Sockets.TcpClient();
        await tls.ConnectAsync(simulator.Url.Host, simulator.Url.Port);
        using var ssl = new System.Net.Security.SslStream(tls.GetStream(), false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("127.0.0.1");
        string sha256 = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(ssl.RemoteCertificate!.GetRawCertData())).ToLowerInvariant();

        await using var client = await VsphereClient.ConnectAsync(Simulator.Options(simulator) with { Thumbprint = sha256 });
        Assert.Equal(1, client.LoginCount);
    }

    [Fact]
    public async Task A_terminated_session_is_replaced_by_one_new_login_and_the_call_succeeds()
    {
        await using var victim = await Simulator.ConnectAsync(simulator);
        await using var admin = await Simulator.ConnectAsync(simulator);
        string oldKey = victim.SessionKey!;
        Assert.True(await admin.SessionIsActiveAsync(oldKey, simulator.Username));

        await admin.TerminateSessionsAsync([oldKey]);
        Assert.False(await admin.SessionIsActiveAsync(oldKey, simulator.Username));

        // Both a plain call and a property-collector read (which the simulator answers with "missing"
        // properties instead of a fault) must log in again transparently.
        var dc = await victim.Inventory.FindByPathAsync(simulator.Description.Datacenter);
        Assert.Equal("Datacenter", dc!.Type);
        Assert.Equal(2, victim.LoginCount);
        Assert.NotEqual(oldKey, victim.SessionKey);
        Assert.Equal("DC0", (await victim.Properties.RetrieveAsync(dc, "name"))!.AsString());

        await admin.TerminateSessionsAsync([victim.SessionKey!]);
        Assert.Equal("DC0", (await victim.Properties.RetrieveAsync(dc, "name"))!.AsString());
        Assert.Equal(3, victim.LoginCount);
    }

    [Fact]
    public async Task After_logout_calls_fail_with_NotAuthenticated_and_do_not_log_in_again()
    {
        var client = await Simulator.ConnectAsync(simulator);
        await client.LogoutAsync();
        var fault = await Assert.ThrowsAsync<NotAuthenticatedFault>(() => client.CurrentTimeAsync());
        Assert.Equal("CurrentTime", fault.Method);
        Assert.Equal(1, client.LoginCount);
        await client.DisposeAsync();
    }

    [Fact]
    public void Options_from_the_environment_take_arguments_first_and_never_print_the_password()
    {
        var options = VsphereClientOptions.FromEnvironment(new Uri("https://vc.example/"), "admin", "s3cret", "AA:BB");
        Assert.Equal(new Uri("https://vc.example/sdk"), options.SdkUrl);
        Assert.DoesNotContain("s3cret", options.ToString());
        Assert.Contains("admin", options.ToString());
    }
}

/// <summary>Sessions on a simulator whose sessions expire after two idle seconds.</summary>
public sealed class SessionExpiryTests : IDisposable
{
    private readonly VcenterSimulator _simulator = VcenterSimulator.Start("-session-timeout", "2s");

    [Fact]
    public async Task An_expired_session_is_replaced_by_one_new_login()
    {
        await using var client = await VsphereClient.ConnectAsync(Simulator.Options(_simulator) with { KeepAliveInterval = null });
        string firstKey = client.SessionKey!;
        await Task.Delay(TimeSpan.FromSeconds(5)); // idle past the expiry (the simulator checks every 2 s)

        var dc = await client.Inventory.FindByPathAsync("/DC0");
        Assert.NotNull(dc);
        Assert.Equal(2, client.LoginCount);
        Assert.NotEqual(firstKey, client.SessionKey);
    }

    [Fact]
    public async Task Keep_alive_holds_an_idle_session_open()
    {
        await using var client = await VsphereClient.ConnectAsync(Simulator.Options(_simulator) with { KeepAliveInterval = TimeSpan.FromMilliseconds(300) });
        string key = client.SessionKey!;
        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.NotNull(await client.Inventory.FindByPathAsync("/DC0"));
        Assert.Equal(key, client.SessionKey);
        Assert.Equal(1, client.LoginCount);
    }

    public void Dispose() => _simulator.Dispose();
}
