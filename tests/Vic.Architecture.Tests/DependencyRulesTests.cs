using System.Reflection;
using System.Xml.Linq;

namespace Vic.Architecture.Tests;

/// <summary>The arrows between components (DESIGN.md, STYLE 1): a change that adds a forbidden dependency fails here.</summary>
public sealed class DependencyRulesTests
{
    private static readonly string SrcRoot = FindSrc();

    /// <summary>Project references declared by a component's csproj.</summary>
    private static IReadOnlyList<string> ProjectReferences(string project) =>
        XDocument.Load(Path.Combine(SrcRoot, project, project + ".csproj"))
            .Descendants("ProjectReference")
            .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value))
            .Order()
            .ToList();

    private static IReadOnlyList<string> VicAssemblyReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Vic.", StringComparison.Ordinal)).Order().ToList();

    [Fact]
    public void Tether_references_only_its_protocol()
    {
        Assert.Equal(["Vic.Tether.Protocol"], ProjectReferences("Vic.Tether"));
        Assert.Empty(ProjectReferences("Vic.Tether.Protocol"));
    }

    [Fact]
    public void Port_layer_contracts_reference_nothing_of_ours()
    {
        Assert.Empty(ProjectReferences("Vic.PortLayer"));
        Assert.Empty(VicAssemblyReferences(typeof(Vic.PortLayer.IContainerLifecycle).Assembly));
    }

    [Fact]
    public void Docker_api_server_knows_no_backend()
    {
        var references = VicAssemblyReferences(typeof(Vic.Engine.DockerEngineApi).Assembly);
        Assert.DoesNotContain(references, r => r.StartsWith("Vic.PortLayer.", StringComparison.Ordinal));
        Assert.DoesNotContain("Vic.Tether.Protocol", references);
        Assert.Equal(["Vic.ImageC", "Vic.PortLayer"], ProjectReferences("Vic.Engine"));
    }

    [Fact]
    public void Backend_knows_no_docker_personality()
    {
        var references = VicAssemblyReferences(typeof(Vic.PortLayer.Qemu.QemuBackend).Assembly);
        Assert.DoesNotContain("Vic.Engine", references);
        Assert.DoesNotContain("Vic.ImageC", references);
    }

    [Fact]
    public void Imagec_depends_only_on_port_layer_contracts()
    {
        Assert.Equal(["Vic.PortLayer"], ProjectReferences("Vic.ImageC"));
    }

    [Fact]
    public void Only_the_vch_daemon_composes_a_backend()
    {
        var composers = Directory.GetDirectories(SrcRoot)
            .Select(Path.GetFileName)
            .Where(p => p is not null && ProjectReferences(p).Contains("Vic.PortLayer.Qemu"))
            .ToList();
        Assert.Equal(["Vic.Vch"], composers);
    }

    [Fact]
    public void Vicadmin_reads_port_layer_contracts_and_images_and_knows_no_backend_or_personality()
    {
        Assert.Equal(["Vic.ImageC", "Vic.PortLayer"], ProjectReferences("Vic.Admin"));
    }

    [Fact]
    public void Vic_machine_talks_to_vchs_only_through_their_api()
    {
        // vSphere's API client (to build VCHs on a vCenter) and the guestinfo codec (the appliance reads its
        // configuration through it) are contracts with the infrastructure and the appliance, not the VCH's code.
        Assert.Equal(["Vic.Tether.Protocol", "Vic.Vsphere"], ProjectReferences("Vic.Machine"));
    }

    [Fact]
    public void Vsphere_client_references_nothing_of_ours()
    {
        Assert.Empty(ProjectReferences("Vic.Vsphere"));
    }

    private static string FindSrc()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "vic.slnx")))
                return Path.Combine(dir.FullName, "src");
        }
        throw new InvalidOperationException("repository root not found");
    }
}
