namespace Vic.ContainerBase;

/// <summary>
/// Turns a set of wanted kernel modules into a load order using depmod's modules.dep: every module comes after
/// all modules it depends on, each appears once. Paths are relative to /lib/modules/&lt;release&gt;.
/// </summary>
internal static class ModuleResolver
{
    /// <summary>Parses modules.dep text ("path: dep1 dep2 ...") into path → direct dependencies.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ParseModulesDep(string text)
    {
        var deps = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine.Trim();
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#') || colon <= 0)
            {
                continue;
            }
            deps[line[..colon]] = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        }
        return deps;
    }

    /// <summary>Module name as the kernel sees it: file name without .ko[.xz|.zst|.gz], '-' folded to '_'.</summary>
    public static string ModuleName(string path)
    {
        string file = Path.GetFileName(path);
        int ko = file.IndexOf(".ko", StringComparison.Ordinal);
        return (ko >= 0 ? file[..ko] : file).Replace('-', '_');
    }

    /// <summary>
    /// Load order for <paramref name="wanted"/> (module names) and their dependencies. Wanted modules keep their
    /// relative order; each one's dependencies are placed before it. Throws when a module or dependency is missing.
    /// </summary>
    public static IReadOnlyList<string> ResolveLoadOrder(IReadOnlyDictionary<string, IReadOnlyList<string>> modulesDep, IEnumerable<string> wanted)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in modulesDep.Keys)
        {
            byName.TryAdd(ModuleName(path), path);
        }

        var order = new List<string>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        var visiting = new HashSet<string>(StringComparer.Ordinal);

        void Visit(string path)
        {
            if (placed.Contains(path))
            {
                return;
            }
            if (!visiting.Add(path))
            {
                throw new InvalidOperationException($"dependency cycle at {path}");
            }
            if (!modulesDep.TryGetValue(path, out IReadOnlyList<string>? deps))
            {
                throw new InvalidOperationException($"module {path} is listed as a dependency but missing from modules.dep");
            }
            // modules.dep lists the deepest dependency last (modprobe loads the list from the end), so walk it
            // backwards; the recursion makes the result correct whatever the listing order.
            for (int i = deps.Count - 1; i >= 0; i--)
            {
                Visit(deps[i]);
            }
            visiting.Remove(path);
            placed.Add(path);
            order.Add(path);
        }

        foreach (string name in wanted)
        {
            string normalized = name.Replace('-', '_');
            if (!byName.TryGetValue(normalized, out string? path))
            {
                throw new InvalidOperationException($"kernel module '{name}' not found in modules.dep");
            }
            Visit(path);
        }
        return order;
    }
}
