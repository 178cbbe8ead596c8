namespace Vic.Admin.Bundle;

/// <summary>One file of a log bundle. <see cref="Source"/> says where it came from; <see cref="Truncated"/> that only
/// its last <see cref="LogBundle.MaxFileBytes"/> were kept.</summary>
internal sealed record BundleEntry(string Name, byte[] Content, string Source, bool Truncated = false);
