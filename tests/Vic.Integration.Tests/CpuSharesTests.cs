using System.Globalization;

namespace Vic.Integration.Tests;

/// <summary>docker --cpu-shares as the containerVM's QEMU process's scheduling weight (its nice value).</summary>
[Collection("vch")]
public sealed class CpuSharesTests(VchFixture vch)
{
    /// <summary>Field 19 of /proc/&lt;tid&gt;/stat, counted after the command name's closing parenthesis.</summary>
    private static int Nice(string stat) =>
        int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], CultureInfo.InvariantCulture);

    private static List<int> ThreadNices(int pid) =>
        Directory.GetDirectories($"/proc/{pid}/task").Select(t => Nice(File.ReadAllText(Path.Combine(t, "stat")))).ToList();

    [Fact]
    public async Task Create_and_a_live_update_set_the_weight_of_every_qemu_thread()
    {
        string id = await vch.OkAsync("run", "-d", "--cpu-shares", "2048", "busybox", "sleep", "600");
        try
        {
            // State.Pid is the VM's QEMU process.
            int pid = int.Parse(await vch.OkAsync("inspect", "-f", "{{.State.Pid}}", id), CultureInfo.InvariantCulture);
            Assert.Contains("qemu", File.ReadAllText($"/proc/{pid}/cmdline"));
            Assert.All(ThreadNices(pid), nice => Assert.Equal(-3, nice)); // weight 1991: about twice a default VM's

            await vch.OkAsync("update", "--cpu-shares", "512", id);
            var nices = ThreadNices(pid);
            Assert.True(nices.Count > 1, "QEMU runs several threads");
            Assert.All(nices, nice => Assert.Equal(3, nice)); // weight 526: about half
            Assert.Equal("512", await vch.OkAsync("inspect", "-f", "{{.HostConfig.CpuShares}}", id));
            Assert.Equal("running", await vch.OkAsync("inspect", "-f", "{{.State.Status}}", id));
        }
        finally
        {
            await vch.DockerAsync("rm", "-f", id);
        }
    }
}
