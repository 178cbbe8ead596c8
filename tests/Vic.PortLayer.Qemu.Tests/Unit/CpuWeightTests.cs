using System.Diagnostics;
using Vic.PortLayer.Qemu.Vm;

namespace Vic.PortLayer.Qemu.Tests.Unit;

/// <summary>docker --cpu-shares as the QEMU process's nice value: the mapping, and its application to every thread.</summary>
public sealed class CpuWeightTests
{
    [Theory]
    [InlineData(0, 0)] // unset: the default weight
    [InlineData(1024, 0)] // dockerd's default shares are an ordinary process's weight
    [InlineData(512, 3)] // weight 526: about half
    [InlineData(256, 6)] // 272
    [InlineData(2048, -3)] // 1991: about twice
    [InlineData(4096, -6)] // 3906
    [InlineData(2, 19)] // the least shares: the least weight
    [InlineData(-5, 19)] // below the kernel's minimum: clamped to 2
    [InlineData(262144, -20)] // the most shares: the most weight
    [InlineData(1_000_000, -20)]
    public void Shares_map_to_the_nice_value_whose_load_weight_is_nearest(long shares, int nice) =>
        Assert.Equal(nice, CpuWeight.NiceFor(shares));

    [Fact]
    public void Halving_the_shares_about_halves_the_weight_all_along_the_range()
    {
        // Each nice step is ~1.25x, so 2x is three steps: the ratio survives the rounding to whole nice values, away
        // from the ends of the kernel's table (weights 15 and 88761), where the nice values run out.
        for (long shares = 64; shares <= 32768; shares *= 2)
            Assert.InRange(CpuWeight.NiceFor(shares / 2) - CpuWeight.NiceFor(shares), 2, 4);
    }

    [Fact]
    public async Task Apply_sets_every_thread_of_a_running_process_and_can_set_it_back()
    {
        // A process with several threads, as QEMU has (main loop, vCPUs, I/O workers).
        using var process = Process.Start(new ProcessStartInfo("python3",
            ["-c", "import threading, time\nfor _ in range(3): threading.Thread(target=time.sleep, args=(60,), daemon=True).start()\nprint('ready', flush=True)\ntime.sleep(60)"])
        {
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.Equal("ready", await process.StandardOutput.ReadLineAsync());
            var threads = Directory.GetDirectories($"/proc/{process.Id}/task").Select(t => int.Parse(Path.GetFileName(t))).ToList();
            Assert.True(threads.Count >= 4, $"{threads.Count} threads");

            CpuWeight.Apply(process.Id, 512);
            Assert.All(threads, tid => Assert.Equal(3, CpuWeight.ReadNice(tid)));

            // Back to a higher weight: the VCH runs as root (CAP_SYS_NICE), as a docker update to more shares needs.
            CpuWeight.Apply(process.Id, 1024);
            Assert.All(threads, tid => Assert.Equal(0, CpuWeight.ReadNice(tid)));
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }

    [Fact]
    public void Apply_to_a_process_that_is_gone_does_nothing()
    {
        using var process = Process.Start("true")!;
        process.WaitForExit();
        CpuWeight.Apply(process.Id, 512);
        Assert.Null(CpuWeight.ReadNice(process.Id));
    }
}
