using System.Text;
using System.Text.Json;
using Vic.ImageC.Tests.Fakes;

namespace Vic.ImageC.Tests;

/// <summary>docker commit's image: the local parent it records, and the committing container in its config.</summary>
public sealed class CommitTests : IAsyncLifetime
{
    private FakeRegistry _registry = null!;
    private readonly Harness _harness = new();

    public async Task InitializeAsync() => _registry = await FakeRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _harness.Dispose();
    }

    [Fact]
    public async Task A_committed_image_records_its_parent_and_the_container_it_came_from()
    {
        RegistryImages.Publish(_registry, "base", "v1", [Harness.Tar("a", "a")]);
        var (baseImage, _) = await _harness.PullAsync($"{_registry.HostPort}/base:v1");
        Assert.Equal("", baseImage.Parent);

        var request = new NewImage
        {
            ParentImageId = baseImage.Id,
            Config = new ImageConfig { Cmd = ["sh"] },
            ContainerId = "c0ffee",
            ContainerConfigJson = Encoding.UTF8.GetBytes("""{"Image":"base:v1","Cmd":["touch","/test"]}"""),
            References = ["committed:v1"],
        };
        using var layer = new MemoryStream(Harness.Tar("test", ""));
        var created = await _harness.Service.CreateAsync(request, layer, default);

        Assert.Equal(baseImage.Id, created.Parent);
        Assert.Equal(baseImage.Id, (await _harness.Service.FindAsync("committed:v1", default))!.Parent);
        using var config = JsonDocument.Parse(created.ConfigJson);
        Assert.Equal("c0ffee", config.RootElement.GetProperty("container").GetString());
        Assert.Equal("base:v1", config.RootElement.GetProperty("container_config").GetProperty("Image").GetString());

        // An import has neither.
        using var imported = new MemoryStream(Harness.Tar("only", "x"));
        var plain = await _harness.Service.CreateAsync(new NewImage { Config = new ImageConfig() }, imported, default);
        Assert.Equal("", plain.Parent);
        Assert.False(JsonDocument.Parse(plain.ConfigJson).RootElement.TryGetProperty("container_config", out _));
    }
}
