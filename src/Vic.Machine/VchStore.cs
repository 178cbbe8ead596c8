using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vic.Machine;

/// <summary>The local target's inventory: one directory per VCH under a root (default /var/lib/vic).</summary>
internal sealed partial class VchStore(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    private static partial Regex ValidName();

    public static string? ValidateName(string name) =>
        ValidName().IsMatch(name) ? null : $"invalid VCH name \"{name}\": use 1-63 characters [a-zA-Z0-9_.-], starting with a letter or digit";

    public string DirectoryOf(string name) => Path.Combine(Root, name);

    public string RecordFile(string name) => Path.Combine(DirectoryOf(name), "vch.json");

    public bool Exists(string name) => File.Exists(RecordFile(name));

    public VchRecord Load(string name)
    {
        string file = Path.Combine(DirectoryOf(name), "vch.json");
        if (!File.Exists(file))
            throw new MachineException($"no VCH named \"{name}\" under {Root} (vic-machine ls lists them)", ExitCodes.NotFound);
        return JsonSerializer.Deserialize(File.ReadAllBytes(file), MachineJson.Default.VchRecord)
            ?? throw new MachineException($"{file} is empty or corrupt", ExitCodes.Failure);
    }

    public void Save(VchRecord record)
    {
        Directory.CreateDirectory(record.Directory);
        string file = Path.Combine(record.Directory, "vch.json");
        string temp = file + ".tmp";
        File.WriteAllBytes(temp, JsonSerializer.SerializeToUtf8Bytes(record, MachineJson.Default.VchRecord));
        File.Move(temp, file, overwrite: true);
    }

    public IReadOnlyList<VchRecord> List()
    {
        if (!Directory.Exists(Root))
            return [];
        return Directory.EnumerateDirectories(Root)
            .Select(Path.GetFileName)
            .Where(n => n is not null && Exists(n))
            .Select(n => Load(n!))
            .OrderBy(r => r.Name, StringComparer.Ordinal)
            .ToList();
    }
}
