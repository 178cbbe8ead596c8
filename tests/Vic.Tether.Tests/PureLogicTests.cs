using System.Text;
using Vic.Tether.Protocol;

namespace Vic.Tether.Tests;

public sealed class TarPathTests
{
    [Theory]
    [InlineData("a/b/c", "a/b/c")]
    [InlineData("./a/./b/", "a/b")]
    [InlineData("/etc/passwd", "etc/passwd")]
    [InlineData("a//b", "a/b")]
    [InlineData("a/b/../c", "a/c")]
    [InlineData("./", "")]
    [InlineData("a/..", "")]
    public void CleansNames(string name, string expected) => Assert.Equal(expected, TarPath.Clean(name));

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../etc")]
    [InlineData("/../x")]
    [InlineData("a\0b")]
    public void RejectsNamesClimbingOutOfTheRoot(string name) => Assert.Null(TarPath.Clean(name));

    [Fact]
    public void SplitsParentAndBaseName()
    {
        Assert.Equal(("a/b", "c"), (TarPath.Parent("a/b/c"), TarPath.BaseName("a/b/c")));
        Assert.Equal(("", "top"), (TarPath.Parent("top"), TarPath.BaseName("top")));
    }
}

public sealed class LogFramingTests
{
    [Fact]
    public void FramesRoundTrip()
    {
        var bytes = new List<byte>();
        foreach (byte[] frame in LogFraming.Encode(LogRecordKind.Stdout, 1234567890123, Encoding.UTF8.GetBytes("hello\n")))
        {
            bytes.AddRange(frame);
        }
        foreach (byte[] frame in LogFraming.Encode(LogRecordKind.Exit, 1234567890999, Encoding.UTF8.GetBytes("{\"ExitCode\":3}")))
        {
            bytes.AddRange(frame);
        }
        Assert.Equal(LogRecord.HeaderLength + 6, LogFraming.Encode(LogRecordKind.Stdout, 0, new byte[6]).Single().Length);

        List<LogRecord> records = LogFraming.Decode(bytes.ToArray());
        Assert.Equal(2, records.Count);
        Assert.Equal((LogRecordKind.Stdout, 1234567890123L, "hello\n"), (records[0].Kind, records[0].TimestampUnixNanos, Encoding.UTF8.GetString(records[0].Payload.Span)));
        Assert.Equal(LogRecordKind.Exit, records[1].Kind);
    }

    [Fact]
    public void HeaderIsKindLengthTimestampBigEndian()
    {
        byte[] frame = LogFraming.Encode(LogRecordKind.Stderr, 0x0102030405060708, "ab"u8.ToArray()).Single();
        Assert.Equal(new byte[] { 2, 0, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8, (byte)'a', (byte)'b' }, frame);
    }

    [Fact]
    public void LargePayloadIsSplitAtTheLimit()
    {
        var payload = new byte[LogRecord.MaxPayload * 2 + 10];
        new Random(1).NextBytes(payload);
        var frames = LogFraming.Encode(LogRecordKind.Stdout, 5, payload).ToList();
        Assert.Equal(3, frames.Count);
        List<LogRecord> records = LogFraming.Decode(frames.SelectMany(f => f).ToArray());
        Assert.Equal(payload, records.SelectMany(r => r.Payload.ToArray()).ToArray());
    }

    [Fact]
    public void TruncatedTailIsIgnored()
    {
        byte[] frame = LogFraming.Encode(LogRecordKind.Stdout, 5, "hello"u8.ToArray()).Single();
        byte[] data = [.. frame, .. frame.AsSpan(0, 8)];
        Assert.Single(LogFraming.Decode(data));
    }
}

public sealed class ProcessEnvironmentTests
{
    [Fact]
    public void AddsDockerDefaultsWhenAbsent()
    {
        List<string> env = ProcessEnvironment.Build(["FOO=bar"], "myhost", "/home/user", tty: true);
        Assert.Equal(["FOO=bar", $"PATH={ProcessEnvironment.DefaultPath}", "HOSTNAME=myhost", "TERM=xterm", "HOME=/home/user"], env);
    }

    [Fact]
    public void SpecValuesWinAndLaterDuplicatesOverrideEarlier()
    {
        List<string> env = ProcessEnvironment.Build(["PATH=/x", "HOME=/h", "A=1", "A=2"], "h", "/home/user", tty: false);
        Assert.Equal("/x", ProcessEnvironment.Get(env, "PATH"));
        Assert.Equal("/h", ProcessEnvironment.Get(env, "HOME"));
        Assert.Equal("2", ProcessEnvironment.Get(env, "A"));
        Assert.Single(env, e => e.StartsWith("A=", StringComparison.Ordinal));
        Assert.DoesNotContain(env, e => e.StartsWith("TERM=", StringComparison.Ordinal));
    }
}

public sealed class ExecFailureTests
{
    [Fact]
    public void MapsErrnoToDockerExitCodesAndMessages()
    {
        Assert.Equal((127, "exec: \"/nope\": stat /nope: no such file or directory"),
            ExecFailure.FromErrno(ExecFailure.Stage.Exec, 2, "no such file or directory", "/nope", "/"));
        Assert.Equal((126, "exec: \"/etc\": permission denied"),
            ExecFailure.FromErrno(ExecFailure.Stage.Exec, 13, "permission denied", "/etc", "/"));
        Assert.Equal(125, ExecFailure.FromErrno(ExecFailure.Stage.WorkingDir, 13, "permission denied", "x", "/w").ExitCode);
        Assert.Equal((127, "exec: \"foo\": executable file not found in $PATH"), ExecFailure.NotInPath("foo"));
    }
}
