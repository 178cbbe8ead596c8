using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Where and as whom to connect: <c>https://host[:port][/datacenter]</c> as VIC took it. The datacenter path may be
/// empty (the only datacenter then). The password never appears in <see cref="ToString"/>.
/// </summary>
internal sealed record VsphereTarget(Uri SdkUrl, string? DatacenterPath, string User, string Password, string? Thumbprint)
{
    /// <summary>What --target is written as in messages and in the appliance's own configuration (no credentials).</summary>
    public string Display => $"{SdkUrl.Scheme}://{SdkUrl.Authority}{DatacenterPath ?? ""}";

    public static VsphereTarget Parse(string target, string? user, string? password, string? thumbprint)
    {
        string text = target.Contains("://", StringComparison.Ordinal) ? target : "https://" + target;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Host.Length == 0)
            throw new MachineException($"invalid --target \"{target}\": expected https://host[/datacenter]", ExitCodes.InvalidArgument);
        string path = Uri.UnescapeDataString(uri.AbsolutePath).TrimEnd('/');
        // "/sdk" is the SDK endpoint itself, not a datacenter; anything else names the datacenter.
        if (path is "/sdk")
            path = "";
        string? urlUser = null, urlPassword = null;
        if (uri.UserInfo.Length > 0)
        {
            string[] parts = uri.UserInfo.Split(':', 2);
            urlUser = Uri.UnescapeDataString(parts[0]);
            urlPassword = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }
        user ??= urlUser ?? Environment.GetEnvironmentVariable(TargetOptions.UserVariable);
        password ??= urlPassword ?? Environment.GetEnvironmentVariable(TargetOptions.PasswordVariable);
        var missing = new List<string>();
        if (string.IsNullOrEmpty(user))
            missing.Add($"no user: give --user or set {TargetOptions.UserVariable}");
        if (string.IsNullOrEmpty(password))
            missing.Add($"no password: give --password or set {TargetOptions.PasswordVariable}");
        if (thumbprint is not null && thumbprint.Count(Uri.IsHexDigit) is not (40 or 64))
            missing.Add($"invalid --thumbprint \"{thumbprint}\": expected 20 (SHA-1) or 32 (SHA-256) hex bytes, e.g. AB:CD:...");
        if (missing.Count > 0)
            throw new MachineException(string.Join("\n", missing), ExitCodes.InvalidArgument);
        var sdk = new UriBuilder(uri.Scheme, uri.Host, uri.Port, "/sdk").Uri;
        return new VsphereTarget(sdk, path.Length == 0 ? null : path, user!, password!, thumbprint);
    }

    /// <summary>
    /// Logs in and resolves the datacenter. A certificate that is not the expected one is refused with the
    /// thumbprint the server showed, so the user can check it out of band and pass it with --thumbprint.
    /// </summary>
    public async Task<VsphereSession> ConnectAsync(CancellationToken ct)
    {
        VsphereClient client;
        try
        {
            client = await VsphereClient.ConnectAsync(new VsphereClientOptions
            {
                Url = SdkUrl,
                Username = User,
                Password = Password,
                Thumbprint = Thumbprint,
            }, cancellationToken: ct);
        }
        catch (VsphereCertificateException e)
        {
            string why = Thumbprint is null
                ? "no --thumbprint was given and the system does not trust its certificate"
                : $"its certificate does not match --thumbprint {Thumbprint}";
            throw new MachineException(
                $"refusing to talk to {SdkUrl.Authority}: {why}. The server's certificate has SHA-1 thumbprint\n  {e.SeenThumbprint}\n" +
                $"If that is your vCenter (check it on the vCenter itself), run again with --thumbprint {e.SeenThumbprint}",
                ExitCodes.InvalidArgument);
        }
        catch (InvalidLoginFault e)
        {
            throw new MachineException($"{SdkUrl.Authority} refused user \"{User}\": {e.Message}", ExitCodes.InvalidArgument);
        }
        catch (HttpRequestException e)
        {
            throw new MachineException($"cannot reach {SdkUrl}: {e.Message}", ExitCodes.Failure);
        }
        try
        {
            var datacenter = await client.Inventory.GetDatacenterAsync(DatacenterPath, ct);
            return new VsphereSession(this, client, datacenter);
        }
        catch (NotFoundException e)
        {
            await client.DisposeAsync();
            throw new MachineException($"--target {Display}: {e.Message}", ExitCodes.InvalidArgument);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public override string ToString() => $"{Display} as {User}";
}

/// <summary>A logged-in client and the datacenter the target names; disposing logs out.</summary>
internal sealed record VsphereSession(VsphereTarget Target, VsphereClient Client, Datacenter Datacenter) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
