using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>Container files for the personality's tests: only ChangesSizeAsync answers, with the sizes a test sets
/// (Conflict for an ID it did not set, as the QEMU backend answers for a paused container).</summary>
internal sealed class FakeFiles : IContainerFiles
{
    public Dictionary<string, long> Sizes { get; } = new(StringComparer.Ordinal);

    public Task<long> ChangesSizeAsync(string id, CancellationToken cancellationToken) =>
        Sizes.TryGetValue(id, out long bytes) ? Task.FromResult(bytes) : throw new ConflictException($"Container {id} is paused");

    public Task<ContainerPathStat> StatPathAsync(string id, string path, CancellationToken cancellationToken) => throw new NotSupportedByBackendException("not supported by the fake");
    public Task<IContainerArchive> GetArchiveAsync(string id, string path, CancellationToken cancellationToken) => throw new NotSupportedByBackendException("not supported by the fake");
    public Task PutArchiveAsync(string id, string path, Stream tar, ExtractOptions options, CancellationToken cancellationToken) => throw new NotSupportedByBackendException("not supported by the fake");
    public Task<IReadOnlyList<ContainerChange>> ChangesAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedByBackendException("not supported by the fake");
    public Task<Stream> ExportAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedByBackendException("not supported by the fake");
    public Task<Stream> ExportChangesAsync(string id, CancellationToken cancellationToken) => throw new NotSupportedByBackendException("not supported by the fake");
}
