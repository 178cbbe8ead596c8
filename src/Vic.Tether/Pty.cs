using System.Text;
using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>A pseudo-terminal for TTY containers: the tether keeps the master, the process gets the slave.</summary>
internal static unsafe class Pty
{
    /// <summary>Opens a new pty pair in the container's devpts; returns the master fd and the slave's path.</summary>
    public static (int Master, string SlavePath) Open(ushort rows, ushort columns)
    {
        int master = Sys.Check(Libc.posix_openpt(Consts.O_RDWR | Consts.O_NOCTTY | Consts.O_CLOEXEC), "posix_openpt");
        Sys.Check(Libc.grantpt(master), "grantpt");
        Sys.Check(Libc.unlockpt(master), "unlockpt");
        byte* name = stackalloc byte[128];
        int rc = Libc.ptsname_r(master, name, 128);
        if (rc != 0)
        {
            throw new TetherException($"ptsname: {Sys.Describe(rc)}", rc);
        }
        string slave = Encoding.UTF8.GetString(new ReadOnlySpan<byte>(name, new ReadOnlySpan<byte>(name, 128).IndexOf((byte)0)));
        if (rows > 0 && columns > 0)
        {
            Resize(master, rows, columns);
        }
        return (master, slave);
    }

    /// <summary>Sets the window size; the kernel sends SIGWINCH to the terminal's foreground process group.</summary>
    public static void Resize(int master, ushort rows, ushort columns)
    {
        var size = new WinSize { Rows = rows, Columns = columns };
        Libc.ioctl(master, Consts.TIOCSWINSZ, &size);
    }
}
