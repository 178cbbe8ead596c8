using System.Diagnostics;
using System.Text.Json;
using Vic.TestSupport;

namespace Vic.Machine.Tests.Vsphere;

/// <summary>vic-machine itself (the built program, a process of its own) against the simulator: exit codes, messages, output.</summary>
[Collection("vcsim")]
public sealed class CommandLineTests(VcenterSimulator simulator) : IDisposable
{
    private readonly TempDirectory _temp = new();

    private string Target => simulator.Url.ToString().Replace("/sdk", "/DC0", StringComparison.Ordinal);

    [Fact]
    public async Task A_wrong_or_missing_thumbprint_is_refused_showing_the_servers_thumbprint()
    {
        var wrong = await RunAsync("ls", "--target", Target, "--thumbprint", string.Join(':', Enumerable.Repeat("AB", 20)));
        Assert.Equal(ExitCodes.InvalidArgument, wrong.Code);
        Assert.Contains($"does not match --thumbprint {string.Join(':', Enumerable.Repeat("AB", 20))}", wrong.Error);
        Assert.Contains($"run again with --thumbprint {simulator.Thumbprint}", wrong.Error);

        var missing = await RunAsync("ls", "--target", Target);
        Assert.Equal(ExitCodes.InvalidArgument, missing.Code);
        Assert.Contains("no --thumbprint was given", missing.Error);
        Assert.Contains(simulator.Thumbprint, missing.Error);

        var password = await RunAsync(["ls", "--target", Target, "--thumbprint", simulator.Thumbprint], password: "wrong");
        Assert.Equal(ExitCodes.InvalidArgument, password.Code);
        Assert.Contains($"refused user \"{simulator.Username}\"", password.Error);
    }

    [Fact]
    public async Task Create_ls_inspect_and_delete_through_the_command_line()
    {
        string images = _temp.File("images");
        Directory.CreateDirectory(images);
        File.WriteAllBytes(Path.Combine(images, "vmlinuz"), new byte[4096]);
        File.WriteAllBytes(Path.Combine(images, "initramfs.cpio"), new byte[2048]);
        string[] target = ["--target", Target, "--thumbprint", simulator.Thumbprint];

        // No appliance image in --appliance-dir: create uploads what exists and says so. The simulator runs no
        // guest, so the wait ends with the timeout's message and exit code; the VCH stays for inspect and delete.
        var create = await RunAsync(["create", .. target, "--name", "cli-vch", "--compute-resource", "DC0_C0", "--image-store", "LocalDS_0",
            "--bridge-network", "DC0_DVPG0", "--memory", "2g", "--containers", "5", "--container-base", images, "--appliance-dir", _temp.File("none"),
            "--tls-cname", "vch.example.test", "--timeout", "2"]);
        Assert.Equal(ExitCodes.Timeout, create.Code);
        Assert.Contains("WARNING: no appliance image was found", create.Error);
        Assert.Contains("Creating resource pool /DC0/host/DC0_C0/Resources/cli-vch", create.Error);
        Assert.Contains("Powering on appliance VM cli-vch", create.Error);
        Assert.Contains("did not report an IP address", create.Error);

        var ls = await RunAsync(["ls", .. target]);
        Assert.Equal(0, ls.Code);
        Assert.Contains(ls.Output.Split('\n'), l => l.StartsWith("cli-vch ", StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal));

        var inspect = await RunAsync(["inspect", .. target, "--name", "cli-vch", "--format", "json"]);
        Assert.Equal(0, inspect.Code);
        using var json = JsonDocument.Parse(inspect.Output);
        Assert.Equal("cli-vch", json.RootElement.GetProperty("Name").GetString());
        Assert.Equal(2L << 30, json.RootElement.GetProperty("Limits").GetProperty("MemoryBytes").GetInt64());
        Assert.Equal("********", json.RootElement.GetProperty("Secrets").GetProperty("vsphere-password").GetString());
        Assert.DoesNotContain(simulator.Password, inspect.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_temp.Path, "vsphere", "127.0.0.1", "cli-vch", "certs", "ca.pem")));

        var text = await RunAsync(["inspect", .. target, "--name", "cli-vch"]);
        Assert.Contains("Appliance disk:     none uploaded", text.Output);
        Assert.Contains("--max-containers 5", text.Output);

        var delete = await RunAsync(["delete", .. target, "--name", "cli-vch"]);
        Assert.Equal(0, delete.Code);
        Assert.Contains("Deleted VCH cli-vch", delete.Error);
        var gone = await RunAsync(["inspect", .. target, "--name", "cli-vch"]);
        Assert.Equal(ExitCodes.NotFound, gone.Code);
    }

    [Fact]
    public async Task Local_only_options_are_refused_with_a_target_and_vsphere_ones_without()
    {
        var local = await RunAsync("create", "--target", Target, "--thumbprint", simulator.Thumbprint, "--systemd", "--accelerator", "tcg");
        Assert.Equal(ExitCodes.InvalidArgument, local.Code);
        Assert.Contains("--systemd, --accelerator: only for VCHs on this machine", local.Error);
        var vsphere = await RunAsync("create", "--name", "x", "--bridge-network", "pg");
        Assert.Equal(ExitCodes.InvalidArgument, vsphere.Code);
        Assert.Contains("--bridge-network: only with --target", vsphere.Error);
    }

    private Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(args, null);

    private async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string? password)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(typeof(ExitCodes).Assembly.Location);
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        // Credentials from the environment, as documented: never on the command line.
        start.Environment["VIC_VSPHERE_USER"] = simulator.Username;
        start.Environment["VIC_VSPHERE_PASSWORD"] = password ?? simulator.Password;
        start.Environment["VIC_HOME"] = _temp.Path;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output, await error);
    }

    public void Dispose() => _temp.Dispose();
}
