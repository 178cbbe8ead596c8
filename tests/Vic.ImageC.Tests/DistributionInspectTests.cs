using Vic.ImageC.Tests.Fakes;
using Vic.PortLayer;
using Vic.TestSupport;

namespace Vic.ImageC.Tests;

/// <summary>GET /distribution/{name}/json's registry side: a manifest's descriptor and platforms, nothing pulled.</summary>
public sealed class DistributionInspectTests : RegistryHarnessTests
{
    [Fact]
    public async Task A_single_manifest_names_its_configs_platform()
    {
        var published = RegistryImages.Publish(_registry, "app", "v1", [Harness.Tar("f", "x")], new TestImageConfig { Architecture = "arm64" });

        var found = await _harness.Service.InspectDistributionAsync($"{_registry.HostPort}/app:v1", RegistryCredentials.Anonymous, default);

        Assert.Equal(new DistributionDescriptor("application/vnd.oci.image.manifest.v1+json", published.ManifestDigest, published.Manifest.Length), found.Descriptor);
        Assert.Equal([new DistributionPlatform("arm64", "linux")], found.Platforms);
        Assert.Empty(await _harness.Service.ListAsync(default));
        Assert.Equal(0, _harness.Layers.Writes);
    }

    [Fact]
    public async Task An_index_is_described_itself_with_every_platform_it_lists()
    {
        var amd = RegistryImages.Publish(_registry, "multi", null, [Harness.Tar("arch", "amd64")]);
        var arm = RegistryImages.Publish(_registry, "multi", null, [Harness.Tar("arch", "arm64")], new TestImageConfig { Architecture = "arm64" });
        byte[] index = RegistryImages.Index((arm.Manifest, "linux", "arm64"), (amd.Manifest, "linux", "amd64"));
        string listDigest = _registry.AddManifest("multi", "latest", index, "application/vnd.oci.image.index.v1+json");

        var found = await _harness.Service.InspectDistributionAsync($"{_registry.HostPort}/multi", RegistryCredentials.Anonymous, default);

        Assert.Equal(new DistributionDescriptor("application/vnd.oci.image.index.v1+json", listDigest, index.Length), found.Descriptor);
        Assert.Equal([new DistributionPlatform("arm64", "linux"), new DistributionPlatform("amd64", "linux")], found.Platforms);

        var byDigest = await _harness.Service.InspectDistributionAsync($"{_registry.HostPort}/multi@{amd.ManifestDigest}", RegistryCredentials.Anonymous, default);
        Assert.Equal(amd.ManifestDigest, byDigest.Descriptor.Digest);
        Assert.Equal([new DistributionPlatform("amd64", "linux")], byDigest.Platforms);
    }

    [Fact]
    public async Task A_missing_tag_is_not_found_as_for_a_pull()
    {
        var error = await Assert.ThrowsAsync<NotFoundException>(() =>
            _harness.Service.InspectDistributionAsync($"{_registry.HostPort}/nothing:here", RegistryCredentials.Anonymous, default));
        Assert.Contains("nothing", error.Message);
    }
}
