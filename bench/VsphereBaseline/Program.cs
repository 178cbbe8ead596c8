using System.Diagnostics;
using Vic.Vsphere;

// Helpers of bench/vsphere-create.sh, talking to the simulator through our SOAP client:
//   baseline <sdk-url> <user> <thumbprint> <count> <datastore>
//     N bare CreateVM_Task + PowerOnVM_Task pairs in parallel, nothing of the VCH in between (no Docker API, no
//     records, no disks); one line per pair (ms), then cleans up the VMs it made.
//   play-appliers <sdk-url> <user> <thumbprint>
//     plays the guest of the VCH's layer-applier VMs (the simulator runs none): powers off every vic-apply-* VM that
//     is on, as the tether does once a layer is applied, until stdin closes. The layer disks stay empty.
// The password is read from VIC_VSPHERE_PASSWORD.
if (args.Length < 4 || args[0] is not ("baseline" or "play-appliers"))
{
    Console.Error.WriteLine("usage: VsphereBaseline baseline <sdk-url> <user> <thumbprint> <count> <datastore> | play-appliers <sdk-url> <user> <thumbprint>");
    return 2;
}
await using var client = await VsphereClient.ConnectAsync(new VsphereClientOptions
{
    Url = new Uri(args[1]),
    Username = args[2],
    Password = Environment.GetEnvironmentVariable("VIC_VSPHERE_PASSWORD") ?? "",
    Thumbprint = args[3],
});
var dc = await client.Inventory.GetDatacenterAsync(null);
var cluster = await client.Inventory.GetComputeResourceAsync(dc, null);
return args[0] == "baseline"
    ? await BaselineAsync(int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture), args[5])
    : await PlayAppliersAsync();

async Task<int> BaselineAsync(int count, string datastore)
{
    string run = Guid.NewGuid().ToString("N")[..6];
    var made = new System.Collections.Concurrent.ConcurrentBag<ManagedObjectReference>();
    var total = Stopwatch.StartNew();
    var calls = Enumerable.Range(0, count).Select(async i =>
    {
        var clock = Stopwatch.StartNew();
        string name = $"baseline-{run}-{i}";
        var vm = await client.VirtualMachines.CreateAsync(dc.VmFolder, cluster.ResourcePool, new VmConfigSpec
        {
            Name = name, GuestId = "otherLinux64Guest", VmPathName = $"[{datastore}] {name}/{name}.vmx", NumCpus = 1, MemoryMb = 512,
        });
        made.Add(vm);
        await client.VirtualMachines.PowerOnAsync(vm);
        return clock.Elapsed.TotalMilliseconds;
    }).ToList();
    foreach (double ms in await Task.WhenAll(calls))
        Console.WriteLine(ms.ToString("F1", System.Globalization.CultureInfo.InvariantCulture));
    Console.Error.WriteLine($"baseline total {total.Elapsed.TotalMilliseconds:F0} ms");
    foreach (var vm in made)
    {
        await client.VirtualMachines.PowerOffAsync(vm);
        await client.VirtualMachines.DestroyAsync(vm);
    }
    return 0;
}

async Task<int> PlayAppliersAsync()
{
    var stdinClosed = Task.Run(() => Console.In.ReadToEnd());
    while (!stdinClosed.IsCompleted)
    {
        var vms = await client.Properties.RetrieveAsync(PropertyFilter.VmsInPool(cluster.ResourcePool, "name", "runtime.powerState"));
        foreach (var vm in vms.Where(v => v["name"]!.AsString().StartsWith("vic-apply-", StringComparison.Ordinal) && v["runtime.powerState"]!.AsString() == "poweredOn"))
        {
            try
            {
                await client.VirtualMachines.PowerOffAsync(vm.Object);
            }
            catch (VsphereFault)
            {
                // Gone or off meanwhile.
            }
        }
        await Task.WhenAny(stdinClosed, Task.Delay(100));
    }
    return 0;
}
