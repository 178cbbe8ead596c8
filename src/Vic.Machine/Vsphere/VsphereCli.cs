using System.CommandLine;
using System.Text.Json;

namespace Vic.Machine.Vsphere;

/// <summary>The vSphere side of the commands: each reads its options, connects, and hands over to the class that does the work.</summary>
internal static class VsphereCli
{
    public static async Task CreateAsync(VsphereTarget target, CreateRequest request, bool noWait, int timeoutSeconds, string format, CancellationToken ct)
    {
        var progress = Console.Error;
        await using var session = await target.ConnectAsync(ct);
        var plan = await CreateValidator.ValidateAsync(session, request, progress, ct);
        var created = await new VchCreator(session, progress).CreateAsync(plan, ct);
        string? address = null;
        if (noWait)
            progress.WriteLine($"Not waiting for appliance {request.Name} (--no-wait)");
        else
            address = await ApplianceWait.WaitAsync(session.Client, created.Appliance, request.Name, created.Record.EndpointPort, TimeSpan.FromSeconds(timeoutSeconds), progress, ct);
        var found = (await VchFinder.GetAsync(session, request.Name, ct)) with { IpAddress = address };
        PrintEndpoint(found, format);
    }

    public static void PrintEndpoint(FoundVch vch, string format)
    {
        var view = VsphereVchView.Of(vch);
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(view, VsphereJson.Default.VsphereVchView));
            return;
        }
        if (view.DockerHost is null)
        {
            Console.WriteLine($"VCH {view.Name}: its appliance has not reported an address yet.");
            Console.WriteLine($"vic-machine inspect --target {view.Target} --name {view.Name} prints DOCKER_HOST once it has.");
            if (view.CertPath is string certs)
                Console.WriteLine($"Client certificates: {certs}");
            return;
        }
        Console.WriteLine($"VCH {view.Name} is ready. Use it with:");
        foreach (var (key, value) in view.Env)
            Console.WriteLine($"export {key}={value}");
    }

    public static async Task ListAsync(VsphereTarget target, string format, CancellationToken ct)
    {
        await using var session = await target.ConnectAsync(ct);
        var views = (await VchFinder.ListAsync(session, ct)).Select(VsphereVchView.Of).ToList();
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(views, VsphereJson.Default.ListVsphereVchView));
            return;
        }
        Console.WriteLine($"{"NAME",-20} {"STATE",-8} {"VERSION",-20} {"DOCKER_HOST",-28} {"RESOURCE POOL"}");
        foreach (var v in views)
            Console.WriteLine($"{v.Name,-20} {v.State,-8} {v.Images,-20} {v.DockerHost ?? "-",-28} {v.ResourcePool}");
    }

    public static async Task InspectAsync(VsphereTarget target, string name, string format, CancellationToken ct)
    {
        await using var session = await target.ConnectAsync(ct);
        var v = VsphereVchView.Of(await VchFinder.GetAsync(session, name, ct));
        if (format == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(v, VsphereJson.Default.VsphereVchView));
            return;
        }
        static string Show(object? value) => value?.ToString() ?? "unlimited";
        Console.WriteLine($"Name:               {v.Name}");
        Console.WriteLine($"State:              {v.State} (appliance VM {v.Appliance})");
        Console.WriteLine($"Docker API:         {v.DockerHost ?? "(address not reported yet)"}");
        Console.WriteLine($"TLS:                {v.Tls}");
        if (v.CertPath is string certs)
            Console.WriteLine($"Certificates:       {certs}");
        Console.WriteLine($"Target:             {v.Target}");
        Console.WriteLine($"Resource pool:      {v.ResourcePool}");
        Console.WriteLine($"VM folder:          {v.VmFolder}");
        Console.WriteLine($"VCH directory:      {v.VchDirectory}");
        Console.WriteLine($"Image store:        {v.ImageStore}");
        Console.WriteLine($"Volume stores:      {(v.VolumeStores.Count == 0 ? "none" : string.Join(", ", v.VolumeStores))}");
        Console.WriteLine($"Bridge network:     {v.BridgeNetwork}");
        Console.WriteLine($"Public network:     {v.PublicNetwork}");
        Console.WriteLine($"Container networks: {(v.ContainerNetworks.Count == 0 ? "none" : string.Join(", ", v.ContainerNetworks))}");
        Console.WriteLine($"DNS servers:        {(v.DnsServers.Count == 0 ? "from DHCP" : string.Join(", ", v.DnsServers))}");
        Console.WriteLine($"Limits:             containers {Show(v.Limits.Containers)}, memory {Show(v.Limits.MemoryBytes is long m ? ByteSize.Format(m) : null)}, cpus {Show(v.Limits.Cpus)} (pool CPU limit {(v.CpuLimitMhz < 0 ? "none" : v.CpuLimitMhz + " MHz")})");
        Console.WriteLine($"Images:             {v.Images}{(v.PreviousImages is string p ? $" (rollback copy: {p})" : "")}");
        Console.WriteLine($"Appliance disk:     {v.ApplianceDisk ?? "none uploaded"}");
        Console.WriteLine($"Created:            {v.Created:u} by vic-machine {v.Version}");
        Console.WriteLine($"Secrets (sealed):   {string.Join(", ", v.Secrets.Select(s => $"{s.Key}={s.Value}"))}");
        Console.WriteLine($"vic-vch arguments:  {CreateCommandLine.ShellJoin(v.VchArgs)}");
        if (v.Env.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("Client environment:");
            foreach (var (key, value) in v.Env)
                Console.WriteLine($"export {key}={value}");
        }
    }

    public static async Task DeleteAsync(VsphereTarget target, string name, bool force, CancellationToken ct)
    {
        await using var session = await target.ConnectAsync(ct);
        var vch = await VchFinder.GetAsync(session, name, ct);
        await new VchDeleter(session, Console.Error).DeleteAsync(vch, force, ct);
    }

    public static async Task ConfigureAsync(VsphereTarget target, string name, ConfigureRequest request, string format, CancellationToken ct)
    {
        await using var session = await target.ConnectAsync(ct);
        var vch = await VchFinder.GetAsync(session, name, ct);
        await new VchConfigurer(session, Console.Error).ConfigureAsync(vch, request, ct);
        PrintEndpoint(await VchFinder.GetAsync(session, name, ct), format);
    }

    /// <summary><c>vic-machine upgrade --target</c>: uploads the images and switches the appliance to them (or back, with <paramref name="rollback"/>).</summary>
    public static async Task UpgradeAsync(VsphereTarget target, string name, string? containerBase, string? applianceDir, bool rollback, bool force,
        string format, CancellationToken ct)
    {
        LocalImages? images = null;
        if (!rollback)
        {
            var problems = new List<string>();
            images = LocalImages.Find(containerBase ?? Layout.DefaultContainerBase(), applianceDir ?? VsphereCreateOptions.DefaultApplianceDirectory(), problems);
            if (problems.Count > 0)
                throw new MachineException(string.Join("\n", problems), ExitCodes.InvalidArgument);
        }
        await using var session = await target.ConnectAsync(ct);
        var vch = await VchFinder.GetAsync(session, name, ct);
        await new VchUpgrader(session, Console.Error).UpgradeAsync(vch, images, rollback, force, ct);
        PrintEndpoint(await VchFinder.GetAsync(session, name, ct), format);
    }
}
