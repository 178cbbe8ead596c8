using Vic.ImageC.Tests.Fakes;

namespace Vic.ImageC.Tests;

/// <summary>Base of the tests that pull from a fake loopback registry into an in-memory harness:
/// one registry and one harness per test, both disposed after it.</summary>
public abstract class RegistryHarnessTests : IAsyncLifetime
{
    private protected FakeRegistry _registry = null!;
    private protected readonly Harness _harness = new();

    public async Task InitializeAsync() => _registry = await FakeRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        await _registry.DisposeAsync();
        _harness.Dispose();
    }
}
