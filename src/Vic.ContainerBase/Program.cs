using System.CommandLine;
using Vic.ContainerBase;

var kernelDir = new Option<DirectoryInfo>("--kernel-dir")
{
    Description = "Unpacked kernel (vmlinuz, kernel-release, lib/modules/<release>), e.g. .cache/kernel/current",
    Required = true,
};
var tether = new Option<FileInfo>("--tether")
{
    Description = "The NativeAOT tether binary, installed as /init",
    Required = true,
};
var outDir = new Option<DirectoryInfo>("--out")
{
    Description = "Output directory; receives <version>/ and the 'current' link",
    Required = true,
};

var build = new Command("build", "Build the container base (kernel + initramfs) if its inputs changed")
{
    kernelDir, tether, outDir,
};
build.SetAction(parse =>
{
    var options = new BuildOptions(
        parse.GetRequiredValue(kernelDir).FullName,
        parse.GetRequiredValue(tether).FullName,
        parse.GetRequiredValue(outDir).FullName);
    try
    {
        BuildResult result = new BaseBuilder(options, Console.Out).Build();
        Console.Out.WriteLine(result.Directory);
        return 0;
    }
    catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"vic-container-base: {e.Message}");
        return 1;
    }
});

var root = new RootCommand("Builds the boot image every containerVM starts from") { build };
return root.Parse(args).Invoke();
