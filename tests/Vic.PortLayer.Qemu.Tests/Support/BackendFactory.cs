using Microsoft.Extensions.Logging.Abstractions;
using Vic.PortLayer;

namespace Vic.PortLayer.Qemu.Tests.Support;

/// <summary>Backends over a datastore in a temp directory; with a fake container base for tests that boot no VM.</summary>
internal static class BackendFactory
{
    public static string FakeContainerBase(TempDirectory temp)
    {
        string dir = temp.Combine("base");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "vmlinuz"), "not a kernel");
        File.WriteAllText(Path.Combine(dir, "initramfs.cpio"), "not an initramfs");
        File.WriteAllText(Path.Combine(dir, "kernel-release"), "6.1.0-test\n");
        return dir;
    }

    public static QemuBackendOptions Options(TempDirectory temp, string containerBase) => new()
    {
        DatastorePath = temp.Combine("ds"),
        ContainerBasePath = containerBase,
        Accelerator = "tcg",
        RootDiskBytes = 256L * 1024 * 1024,
    };

    public static Task<PortLayerServices> CreateAsync(QemuBackendOptions options) =>
        QemuBackend.CreateAsync(options, NullLoggerFactory.Instance, CancellationToken.None);

    /// <summary>Ends a backend the way a VCH exit does: watchers and connections go, VMs stay.</summary>
    public static async Task ShutdownAsync(PortLayerServices services)
    {
        if (services.Containers is IAsyncDisposable d)
            await d.DisposeAsync();
    }
}
