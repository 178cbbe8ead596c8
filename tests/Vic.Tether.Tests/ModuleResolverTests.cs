using Vic.ContainerBase;

namespace Vic.Tether.Tests;

public sealed class ModuleResolverTests
{
    // Shaped like the Debian 6.1 cloud kernel's modules.dep (deepest dependency last on each line).
    private const string ModulesDep = """
        kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko
        kernel/drivers/virtio/virtio_ring.ko:
        kernel/drivers/virtio/virtio_mmio.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
        kernel/drivers/char/virtio_console.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
        kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
        kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko
        kernel/net/core/failover.ko:
        kernel/drivers/char/hw_random/virtio-rng.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
        kernel/drivers/firmware/qemu_fw_cfg.ko:
        """;

    [Fact]
    public void DependenciesComeFirstAndEachModuleOnce()
    {
        var deps = ModuleResolver.ParseModulesDep(ModulesDep);
        var order = ModuleResolver.ResolveLoadOrder(deps, ["virtio_net", "virtio_mmio", "virtio_console"]);
        Assert.Equal(
        [
            "kernel/drivers/virtio/virtio_ring.ko",
            "kernel/drivers/virtio/virtio.ko",
            "kernel/net/core/failover.ko",
            "kernel/drivers/net/net_failover.ko",
            "kernel/drivers/net/virtio_net.ko",
            "kernel/drivers/virtio/virtio_mmio.ko",
            "kernel/drivers/char/virtio_console.ko",
        ], order);
    }

    [Fact]
    public void DashesAndUnderscoresNameTheSameModule()
    {
        var deps = ModuleResolver.ParseModulesDep(ModulesDep);
        Assert.Equal("kernel/drivers/char/hw_random/virtio-rng.ko", ModuleResolver.ResolveLoadOrder(deps, ["virtio_rng"])[^1]);
    }

    [Fact]
    public void MissingModuleIsAnError()
    {
        var deps = ModuleResolver.ParseModulesDep(ModulesDep);
        var error = Assert.Throws<InvalidOperationException>(() => ModuleResolver.ResolveLoadOrder(deps, ["overlay"]));
        Assert.Contains("overlay", error.Message);
    }

    [Fact]
    public void LddOutputGivesRealLibrariesOnly()
    {
        const string Output = """
            	linux-vdso.so.1 (0x00007ffd)
            	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f01)
            	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f02)
            	/lib64/ld-linux-x86-64.so.2 (0x00007f03)
            """;
        Assert.Equal(
            ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6", "/lib64/ld-linux-x86-64.so.2"],
            LibraryResolver.ParseLddOutput(Output));
        Assert.Throws<InvalidOperationException>(() => LibraryResolver.ParseLddOutput("\tlibfoo.so.1 => not found\n"));
    }
}
