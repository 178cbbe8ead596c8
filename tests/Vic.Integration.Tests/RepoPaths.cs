namespace Vic.Integration.Tests;

/// <summary>Where the built artifacts are: scripts/build.sh puts them under out/.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Machine => Path.Combine(Root, "out", "machine", "vic-machine");
    public static string ContainerBase => Path.Combine(Root, "out", "container-base", "current");
    public static string Scripts => Path.Combine(Root, "scripts");

    public static void RequireBuilt()
    {
        foreach (string path in new[] { Machine, Path.Combine(Root, "out", "vch", "vic-vch"), Path.Combine(ContainerBase, "vmlinuz") })
        {
            if (!File.Exists(path))
                throw new InvalidOperationException($"{path} is missing: run scripts/build.sh before the end-to-end tests");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "vic.slnx")))
                return dir.FullName;
        }
        throw new InvalidOperationException("cannot find the repository root (vic.slnx) above " + AppContext.BaseDirectory);
    }
}
