using Vic.Tether.Native;

namespace Vic.Tether.Files;

/// <summary>
/// FIFREEZE of a running container's root filesystem: everything is written out and the journal is clean, so another
/// VM can read the disk consistently while writers here wait. A freeze the host never ends (it died) thaws by itself.
/// </summary>
internal sealed unsafe class Freezer(LogWriter log)
{
    public const ulong FIFREEZE = 0xC0045877, FITHAW = 0xC0045878;
    private readonly Lock _lock = new();
    private Timer? _deadline;

    public void Freeze(TimeSpan longest)
    {
        lock (_lock)
        {
            Ioctl(FIFREEZE, "freeze the root filesystem");
            _deadline = new Timer(_ => ThawAfterDeadline(), null, longest, Timeout.InfiniteTimeSpan);
        }
    }

    public void Thaw()
    {
        lock (_lock)
        {
            _deadline?.Dispose();
            _deadline = null;
            Ioctl(FITHAW, "thaw the root filesystem");
        }
    }

    private void ThawAfterDeadline()
    {
        try
        {
            Thaw();
            log.Tether("the root filesystem was thawed because the host did not thaw it in time");
        }
        catch (TetherException)
        {
            // Thawed meanwhile.
        }
    }

    /// <summary>FIFREEZE or FITHAW on the filesystem at "/" (the calling thread's root).</summary>
    public static void Ioctl(ulong request, string what)
    {
        int fd = Sys.Check(Libc.open("/", Consts.O_RDONLY | Consts.O_CLOEXEC, 0), "open /");
        try
        {
            Sys.Check(Libc.ioctl(fd, request, null), what);
        }
        finally
        {
            Libc.close(fd);
        }
    }
}
