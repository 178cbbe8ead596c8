namespace Vic.Tether.Tests;

public sealed class UserDatabaseTests
{
    private const string Passwd = """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        user:x:1000:1000:A User:/home/user:/bin/sh
        # a comment
        broken-line
        nohome:x:1001:1001::
        """;

    private const string Group = """
        root:x:0:
        users:x:1000:
        extra:x:2000:user,daemon
        audio:x:29:user
        staff:x:50:
        """;

    private static ResolvedUser Resolve(string spec)
    {
        ResolvedUser? user = new UserDatabase(Passwd, Group).Resolve(spec, out string? error);
        Assert.Null(error);
        return user!;
    }

    [Fact]
    public void EmptyMeansRoot()
    {
        ResolvedUser user = Resolve("");
        Assert.Equal((0u, 0u, "/root"), (user.Uid, user.Gid, user.Home));
        Assert.Empty(user.SupplementaryGids);
    }

    [Fact]
    public void NameGivesIdsHomeAndGroupsListingIt()
    {
        ResolvedUser user = Resolve("user");
        Assert.Equal((1000u, 1000u, "/home/user", "user"), (user.Uid, user.Gid, user.Home, user.Name));
        Assert.Equal([2000u, 29u], user.SupplementaryGids);
    }

    [Fact]
    public void NumericUidFindsThePasswdEntry()
    {
        ResolvedUser user = Resolve("1000");
        Assert.Equal((1000u, 1000u, "/home/user"), (user.Uid, user.Gid, user.Home));
    }

    [Fact]
    public void UnknownNumericUidRunsWithGroupZeroAndRootHome()
    {
        ResolvedUser user = Resolve("4242");
        Assert.Equal((4242u, 0u, "/"), (user.Uid, user.Gid, user.Home));
        Assert.Empty(user.SupplementaryGids);
    }

    [Theory]
    [InlineData("user:staff", 1000u, 50u)]
    [InlineData("1000:50", 1000u, 50u)]
    [InlineData("user:4343", 1000u, 4343u)]
    [InlineData("4242:staff", 4242u, 50u)]
    public void GroupPartOverridesThePrimaryGroup(string spec, uint uid, uint gid)
    {
        ResolvedUser user = Resolve(spec);
        Assert.Equal((uid, gid), (user.Uid, user.Gid));
        // runc: an explicit group replaces the supplementary groups from /etc/group.
        Assert.Empty(user.SupplementaryGids);
    }

    [Fact]
    public void EntryWithoutHomeGetsSlash() => Assert.Equal("/", Resolve("nohome").Home);

    [Fact]
    public void UnknownNameGivesDockersMessage()
    {
        Assert.Null(new UserDatabase(Passwd, Group).Resolve("nobodyx", out string? error));
        Assert.Equal("unable to find user nobodyx: no matching entries in passwd file", error);
    }

    [Fact]
    public void UnknownGroupGivesDockersMessage()
    {
        Assert.Null(new UserDatabase(Passwd, Group).Resolve("user:nogroup", out string? error));
        Assert.Equal("unable to find group nogroup: no matching entries in group file", error);
    }

    [Fact]
    public void MissingFilesStillAllowNumericIds()
    {
        ResolvedUser? user = new UserDatabase(null, null).Resolve("12:34", out string? error);
        Assert.Null(error);
        Assert.Equal((12u, 34u), (user!.Uid, user.Gid));
        Assert.Null(new UserDatabase(null, null).Resolve("root", out _));
    }

    [Theory]
    [InlineData("", new[] { "1000", "1001" }, new[] { 1000u, 1001u })]
    [InlineData("", new[] { "staff", "audio" }, new[] { 50u, 29u })]
    [InlineData("user", new[] { "staff", "29", "7" }, new[] { 2000u, 29u, 50u, 7u })]
    [InlineData("user:staff", new[] { "users" }, new[] { 1000u })]
    public void AddedGroupsJoinTheSupplementaryOnes(string spec, string[] added, uint[] expected)
    {
        ResolvedUser? user = new UserDatabase(Passwd, Group).Resolve(spec, added, out string? error);
        Assert.Null(error);
        Assert.Equal(expected, user!.SupplementaryGids);
    }

    [Fact]
    public void AnUnknownAddedGroupGivesRuncsMessage()
    {
        Assert.Null(new UserDatabase(Passwd, Group).Resolve("", ["wheel"], out string? error));
        Assert.Equal("Unable to find group wheel: no matching entries in group file", error);
    }
}
