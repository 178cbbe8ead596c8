using System.Diagnostics;
using System.Text;
using Vic.ContainerBase;

namespace Vic.Tether.Tests;

/// <summary>The builder against a fake kernel tree (dummy vmlinuz and modules) and /bin/true as the "tether".</summary>
public sealed class BaseBuilderTests : IDisposable
{
    private const string Release = "6.1.0-test";
    private readonly string _dir = Directory.CreateTempSubdirectory("vic-base-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string FakeKernel()
    {
        string kernel = Path.Combine(_dir, "kernel");
        string modules = Path.Combine(kernel, "lib", "modules", Release);
        var dep = new StringBuilder();
        foreach (string name in BaseBuilder.WantedModules)
        {
            string relative = $"kernel/drivers/{name.Replace('_', '-')}.ko";
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(modules, relative))!);
            File.WriteAllText(Path.Combine(modules, relative), "module " + name);
            // Everything but virtio_ring depends on it, enough to check ordering.
            dep.Append(relative).Append(':').Append(name == "virtio_ring" ? "" : " kernel/drivers/virtio-ring.ko").Append('\n');
        }
        File.WriteAllText(Path.Combine(modules, "modules.dep"), dep.ToString());
        File.WriteAllText(Path.Combine(kernel, "kernel-release"), Release + "\n");
        File.WriteAllText(Path.Combine(kernel, "vmlinuz"), "not really a kernel");
        return kernel;
    }

    [Fact]
    public void BuildsOnceThenReusesAndPointsCurrentAtIt()
    {
        var options = new BuildOptions(FakeKernel(), "/bin/true", Path.Combine(_dir, "out"));
        BuildResult first = new BaseBuilder(options, TextWriter.Null).Build();
        BuildResult second = new BaseBuilder(options, TextWriter.Null).Build();

        Assert.False(first.Reused);
        Assert.True(second.Reused);
        Assert.Equal(first.Version, second.Version);
        Assert.Matches("^[0-9a-f]{12}$", first.Version);
        string current = Path.Combine(options.OutDir, "current");
        Assert.Equal(first.Version, new FileInfo(current).LinkTarget);
        Assert.Equal(first.Version + "\n", File.ReadAllText(Path.Combine(current, "VERSION")));
        Assert.Equal(Release + "\n", File.ReadAllText(Path.Combine(current, "kernel-release")));
        Assert.Equal("not really a kernel", File.ReadAllText(Path.Combine(current, "vmlinuz")));

        string cpio = Path.Combine(current, "initramfs.cpio");
        string[] listing = Run("sh", "-c", $"cpio -it < '{cpio}'").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("init", listing);
        Assert.Contains("dev/console", listing);
        Assert.Contains("newroot", listing);
        Assert.Contains(listing, l => l.EndsWith("libc.so.6", StringComparison.Ordinal));
        Assert.Contains(listing, l => l.StartsWith("lib64/ld-linux", StringComparison.Ordinal));
        Assert.Equal(listing.Order(StringComparer.Ordinal), listing);

        string order = Run("sh", "-c", $"cd '{_dir}' && cpio -i --to-stdout {BaseBuilder.ModuleListPath} < '{cpio}'");
        string[] lines = order.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(BaseBuilder.WantedModules.Count, lines.Length);
        Assert.Equal($"/lib/modules/{Release}/kernel/drivers/virtio-ring.ko", lines[0]);
    }

    [Fact]
    public void ChangedInputGivesANewVersion()
    {
        string kernel = FakeKernel();
        var options = new BuildOptions(kernel, "/bin/true", Path.Combine(_dir, "out"));
        BuildResult first = new BaseBuilder(options, TextWriter.Null).Build();
        BuildResult other = new BaseBuilder(options with { TetherPath = "/bin/false" }, TextWriter.Null).Build();
        Assert.NotEqual(first.Version, other.Version);
        Assert.Equal(other.Version, new FileInfo(Path.Combine(options.OutDir, "current")).LinkTarget);
        Assert.True(Directory.Exists(first.Directory));
    }

    private static string Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(psi)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, stderr.Result);
        return output;
    }
}
