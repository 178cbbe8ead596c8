using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Vic.PortLayer.Qemu.Storage;
using Vic.PortLayer.Qemu.Tests.Support;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Tests.Unit;

public sealed class AcceleratorProbeTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly QemuBackendOptions _options;
    private readonly DatastoreLayout _layout;

    public AcceleratorProbeTests()
    {
        _options = BackendFactory.Options(_temp, BackendFactory.FakeContainerBase(_temp)) with
        {
            Accelerator = "auto",
            AcceleratorProbeTimeout = TimeSpan.FromSeconds(2),
        };
        _layout = new DatastoreLayout(_options.DatastorePath, _options.ContainerBasePath);
        _layout.EnsureCreated();
    }

    public void Dispose() => _temp.Dispose();

    private AcceleratorProbe Probe(string qemu, string kvmDevice) =>
        new(_options, _layout, new QemuLauncher(qemu), NullLogger.Instance, kvmDevice);

    [Fact]
    public async Task NoKvmDeviceMeansTcg() =>
        Assert.Equal("tcg", await Probe("qemu-system-x86_64", _temp.Combine("no-kvm")).GetAsync());

    [Fact]
    public async Task KvmThatQemuRefusesMeansTcg()
    {
        // A "device" that exists but is no KVM: QEMU fails to initialise the accelerator.
        string fake = _temp.Combine("kvm");
        File.WriteAllText(fake, "");
        Assert.Equal("tcg", await Probe("qemu-system-x86_64", fake).GetAsync());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_layout.ContainersDir)); // the probe's work dir is gone
    }

    [Fact]
    public async Task AGuestThatNeverFinishesMeansTcgWithinTheTimeout()
    {
        string fake = _temp.Combine("kvm");
        File.WriteAllText(fake, "");
        string hangingQemu = _temp.Combine("hanging-qemu");
        File.WriteAllText(hangingQemu, "#!/bin/sh\nexec sleep 600\n");
        File.SetUnixFileMode(hangingQemu, (UnixFileMode)0b111_101_101);
        var clock = Stopwatch.StartNew();
        Assert.Equal("tcg", await Probe(hangingQemu, fake).GetAsync());
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(10));
        Assert.Equal("tcg", await Probe(hangingQemu, fake).GetAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ConfiguredAcceleratorIsNotProbed()
    {
        var probe = new AcceleratorProbe(_options with { Accelerator = "kvm" }, _layout, new QemuLauncher("/nonexistent"), NullLogger.Instance, "/nonexistent");
        Assert.Equal("kvm", await probe.GetAsync());
    }
}
