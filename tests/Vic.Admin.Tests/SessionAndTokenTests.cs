using Vic.Admin.Auth;

namespace Vic.Admin.Tests;

public sealed class SessionAndTokenTests
{
    private sealed class ManualTime : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.Parse("2026-01-01T00:00:00Z", global::System.Globalization.CultureInfo.InvariantCulture);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void A_session_is_valid_until_its_lifetime_ends_and_not_after()
    {
        var time = new ManualTime();
        var sessions = new SessionStore(time, TimeSpan.FromHours(1));
        string id = sessions.Create();
        time.Now += TimeSpan.FromMinutes(59);
        Assert.True(sessions.IsValid(id));
        time.Now += TimeSpan.FromMinutes(1);
        Assert.False(sessions.IsValid(id));
    }

    [Fact]
    public void Sessions_are_distinct_random_and_end_alone()
    {
        var sessions = new SessionStore(TimeProvider.System, TimeSpan.FromHours(1));
        string a = sessions.Create(), b = sessions.Create();
        Assert.NotEqual(a, b);
        Assert.True(a.Length >= 43); // 256 bits
        sessions.End(a);
        Assert.False(sessions.IsValid(a));
        Assert.True(sessions.IsValid(b));
        Assert.False(sessions.IsValid(null));
        Assert.False(sessions.IsValid(""));
    }

    [Fact]
    public void Expired_sessions_are_dropped_when_new_ones_are_made()
    {
        var time = new ManualTime();
        var sessions = new SessionStore(time, TimeSpan.FromMinutes(5));
        sessions.Create();
        sessions.Create();
        time.Now += TimeSpan.FromMinutes(10);
        sessions.Create();
        Assert.Equal(1, sessions.Count);
    }

    [Fact]
    public void The_token_matches_exactly_whitespace_around_it_aside()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "s3cret-token-value\n");
            var check = new TokenCheck(file);
            Assert.True(check.Enabled);
            Assert.True(check.Matches("s3cret-token-value"));
            Assert.True(check.Matches(" s3cret-token-value\n"));
            Assert.False(check.Matches("s3cret-token-valu"));
            Assert.False(check.Matches("s3cret-token-value2"));
            Assert.False(check.Matches("S3CRET-TOKEN-VALUE"));
            Assert.False(check.Matches(""));
            Assert.False(check.Matches(null));
            Assert.Equal(["s3cret-token-value"], check.CurrentSecrets());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void A_missing_or_empty_token_file_matches_nothing()
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "  \n");
            Assert.False(new TokenCheck(file).Matches(""));
            Assert.False(new TokenCheck(file).Matches("  "));
            File.Delete(file);
            Assert.False(new TokenCheck(file).Enabled);
            Assert.False(new TokenCheck(file).Matches("anything"));
            Assert.False(new TokenCheck(null).Matches("anything"));
            Assert.Empty(new TokenCheck(null).CurrentSecrets());
        }
        finally
        {
            File.Delete(file);
        }
    }
}
