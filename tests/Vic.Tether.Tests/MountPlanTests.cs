namespace Vic.Tether.Tests;

public sealed class MountPlanTests
{
    [Theory]
    [InlineData("/data", "data")]
    [InlineData("/srv//x/./y/", "srv/x/y")]
    [InlineData("/a/../b", "b")]
    public void TargetsAreCleanedBelowTheRoot(string target, string clean) =>
        Assert.Equal(clean, MountPlan.CleanTarget(target, out _));

    [Theory]
    [InlineData("data", "mount target \"data\" is not an absolute path")]
    [InlineData("/", "mount target \"/\" is not below the container root")]
    [InlineData("/../..", "mount target \"/../..\" is not below the container root")]
    public void TargetsOutsideTheRootAreRefused(string target, string error)
    {
        Assert.Null(MountPlan.CleanTarget(target, out string? message));
        Assert.Equal(error, message);
    }

    [Fact]
    public void FlagNamesSetAndClearMountFlags()
    {
        const ulong all = MountPlan.NoSuid | MountPlan.NoDev | MountPlan.NoExec;
        Assert.Equal(all, MountPlan.Flags([], all));
        Assert.Equal(MountPlan.NoSuid | MountPlan.NoDev, MountPlan.Flags(["exec"], all));
        Assert.Equal(MountPlan.NoExec, MountPlan.Flags(["noexec", "size=1m"], 0));
    }

    [Fact]
    public void AVolumeIsFreshWhenItHoldsNothingButMkfssLostAndFound()
    {
        Assert.True(MountPlan.LooksFresh([]));
        Assert.True(MountPlan.LooksFresh(["lost+found"]));
        Assert.False(MountPlan.LooksFresh(["lost+found", "file"]));
        Assert.False(MountPlan.LooksFresh(["file"]));
    }
}
