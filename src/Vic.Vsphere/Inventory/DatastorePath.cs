namespace Vic.Vsphere;

/// <summary>A file or folder on a datastore, written "[datastore] folder/file.vmdk" in vSphere's APIs.</summary>
public sealed record DatastorePath(string Datastore, string Path)
{
    /// <summary>Parses "[ds] path" (the path may be empty: the datastore's root).</summary>
    /// <exception cref="FormatException">Not of that form.</exception>
    public static DatastorePath Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int close = text.IndexOf(']', StringComparison.Ordinal);
        if (!text.StartsWith('[') || close < 2)
        {
            throw new FormatException($"\"{text}\" is not a datastore path of the form \"[datastore] path\"");
        }
        return new DatastorePath(text[1..close], text[(close + 1)..].TrimStart(' '));
    }

    /// <summary>A path below this one: <c>folder.Combine("disk.vmdk")</c>.</summary>
    public DatastorePath Combine(string relative) =>
        new(Datastore, Path.Length == 0 ? relative : Path.TrimEnd('/') + "/" + relative.TrimStart('/'));

    public override string ToString() => Path.Length == 0 ? $"[{Datastore}]" : $"[{Datastore}] {Path}";
}
