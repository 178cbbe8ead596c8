namespace Vic.Integration.Tests;

/// <summary>vic-machine validates before it changes anything: a refused create leaves nothing behind.</summary>
public sealed class MachineValidationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vic-mv-" + Guid.NewGuid().ToString("N")[..8]);

    public MachineValidationTests()
    {
        RepoPaths.RequireBuilt();
        Directory.CreateDirectory(_root);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Task<CommandResult> MachineAsync(params string[] args) =>
        Shell.RunAsync(RepoPaths.Machine, args, new Dictionary<string, string> { ["VIC_HOME"] = _root });

    [Fact]
    public async Task Invalid_name_is_refused_with_exit_code_2()
    {
        var result = await MachineAsync("create", "--name", "bad/name");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("invalid VCH name", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task Missing_container_base_is_refused_before_anything_is_made()
    {
        var result = await MachineAsync("create", "--name", "nobase", "--container-base", Path.Combine(_root, "nothing-here"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("container base not found", result.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public async Task A_directory_that_is_not_a_vch_is_never_taken_over()
    {
        string foreign = Path.Combine(_root, "precious");
        Directory.CreateDirectory(foreign);
        await File.WriteAllTextAsync(Path.Combine(foreign, "data.txt"), "keep me");
        var result = await MachineAsync("create", "--name", "precious");
        Assert.Equal(4, result.ExitCode);
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(foreign, "data.txt")));
    }

    [Fact]
    public async Task Unknown_vch_is_exit_code_3_and_every_command_has_help()
    {
        var missing = await MachineAsync("inspect", "--name", "ghost");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no VCH named \"ghost\"", missing.Stderr);
        foreach (string command in new[] { "create", "ls", "inspect", "start", "stop", "delete", "version" })
        {
            var help = await MachineAsync(command, "--help");
            Assert.Equal(0, help.ExitCode);
            Assert.Contains("Usage:", help.Stdout);
        }
        var daemonHelp = await Shell.RunAsync(Path.Combine(RepoPaths.Root, "out", "vch", "vic-vch"), ["--help"]);
        Assert.Contains("--datastore", daemonHelp.Stdout);
    }
}
