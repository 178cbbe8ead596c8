#:project ../../src/Vic.Vsphere/Vic.Vsphere.csproj
// Latency of the vSphere client against a simulator: connect (RetrieveServiceContent + Login) and a VM's
// CreateVM_Task + PowerOnVM_Task + PowerOffVM_Task + Destroy_Task round trip. Usage: vsphere-client.cs <url> <user>
// <password> <thumbprint> [rounds]; bench/vsphere-client.sh starts the simulator and passes these.
using System.Diagnostics;
using Vic.Vsphere;

var options = new VsphereClientOptions { Url = new Uri(args[0]), Username = args[1], Password = args[2], Thumbprint = args[3] };
int rounds = args.Length > 4 ? int.Parse(args[4]) : 20;
var connect = new List<double>();
var lifecycle = new List<double>();
for (int i = 0; i < rounds; i++)
{
    var watch = Stopwatch.StartNew();
    await using var client = await VsphereClient.ConnectAsync(options);
    connect.Add(watch.Elapsed.TotalMilliseconds);
    var dc = await client.Inventory.GetDatacenterAsync("/DC0");
    var cluster = await client.Inventory.GetComputeResourceAsync(dc, null);
    watch.Restart();
    var vm = await client.VirtualMachines.CreateAsync(dc.VmFolder, cluster.ResourcePool,
        new VmConfigSpec { Name = $"bench-{i}", GuestId = "otherLinux64Guest", VmPathName = "[LocalDS_0]", NumCpus = 1, MemoryMb = 64,
            ExtraConfig = new Dictionary<string, string> { ["guestinfo.bench"] = "1" } });
    await client.VirtualMachines.PowerOnAsync(vm);
    await client.VirtualMachines.PowerOffAsync(vm);
    await client.VirtualMachines.DestroyAsync(vm);
    lifecycle.Add(watch.Elapsed.TotalMilliseconds);
}
static string Summary(List<double> v) { v.Sort(); return $"median {v[v.Count / 2]:F1} ms, min {v[0]:F1} ms, max {v[^1]:F1} ms"; }
// The first connect pays for TLS setup and JIT: report it apart.
Console.WriteLine($"connect (RetrieveServiceContent + Login), first: {connect[0]:F1} ms; rest ({rounds - 1}): {Summary(connect.Skip(1).ToList())}");
Console.WriteLine($"CreateVM + PowerOn + PowerOff + Destroy, first: {lifecycle[0]:F1} ms; rest ({rounds - 1}): {Summary(lifecycle.Skip(1).ToList())}");
