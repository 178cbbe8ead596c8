using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>
/// Connects to a unix socket in a VM directory whatever the directory's length. sockaddr_un holds 107 bytes,
/// so for long paths we go through /proc/self/fd/&lt;dirfd&gt;/&lt;name&gt;, which the kernel resolves like the
/// real path without any process-wide chdir.
/// </summary>
internal static partial class UnixSocketConnector
{
    private const int MaxSunPath = 107;

    public static async Task<Socket> ConnectAsync(string directory, string name, CancellationToken cancellationToken)
    {
        string full = Path.Combine(directory, name);
        if (System.Text.Encoding.UTF8.GetByteCount(full) <= MaxSunPath)
            return await ConnectPathAsync(full, cancellationToken);

        int dirFd = Open(directory, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dirFd < 0)
            throw new IOException($"cannot open {directory} (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            return await ConnectPathAsync($"/proc/self/fd/{dirFd}/{name}", cancellationToken);
        }
        finally
        {
            _ = Close(dirFd);
        }
    }

    private static async Task<Socket> ConnectPathAsync(string path, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private const int O_DIRECTORY = 0x10000;
    private const int O_CLOEXEC = 0x80000;
    private const int O_PATH = 0x200000;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
