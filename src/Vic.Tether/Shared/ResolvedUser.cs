namespace Vic.Tether;

/// <summary>Who the container process runs as, resolved from the container's own passwd and group files.</summary>
internal sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> SupplementaryGids, string Home, string? Name);
