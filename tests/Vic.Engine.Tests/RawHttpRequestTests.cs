using System.Buffers;
using System.Text;
using Vic.Engine.Hijack;

namespace Vic.Engine.Tests;

/// <summary>The connection-level peek must find request heads however clients end their lines.</summary>
public sealed class RawHttpRequestTests
{
    private static ReadOnlySequence<byte> Bytes(string s) => new(Encoding.Latin1.GetBytes(s));

    [Theory]
    [InlineData("POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: 2\r\n\r\n{}")]
    // Docker.DotNet's unix-socket handler ends header lines with a bare LF and the head with CRLF.
    [InlineData("POST /containers/create HTTP/1.1\r\nHost: d\nContent-Length: 2\n\r\n{}")]
    [InlineData("POST /containers/create HTTP/1.1\nHost: d\nContent-Length: 2\n\n{}")]
    public void Head_end_is_found_after_the_first_empty_line(string request)
    {
        long end = RawHttpRequest.FindHeadEnd(Bytes(request));
        Assert.Equal(request.Length - 2, end);
        Assert.Equal("{}", request[(int)end..]); // the body starts right after the head
    }

    [Fact]
    public void Incomplete_head_is_not_found()
    {
        Assert.Equal(-1, RawHttpRequest.FindHeadEnd(Bytes("POST /x HTTP/1.1\r\nHost: d\r\n")));
    }

    [Fact]
    public void Lf_only_headers_are_parsed()
    {
        var head = Bytes("POST /v1.44/containers/abc/attach?stream=1 HTTP/1.1\nUpgrade: tcp\nContent-Length: 7\n\n");
        var request = RawHttpRequest.Parse(head)!;
        Assert.True(request.WantsTcpUpgrade);
        Assert.Equal(7, request.ContentLength);
        Assert.Equal("1", request.Query["stream"].ToString());
    }
}
