using Vic.Tether.Native;

namespace Vic.Tether;

/// <summary>
/// Loads the kernel modules listed (in dependency order) by the container base builder. finit_module takes a
/// file descriptor, so no module bytes are copied through the tether.
/// </summary>
internal static unsafe class Modules
{
    public const string ListPath = "/vic/modules.load";

    /// <summary>Loads every module; returns one message per module that failed (already loaded is fine).</summary>
    public static List<string> LoadAll()
    {
        var failures = new List<string>();
        if (!File.Exists(ListPath))
        {
            failures.Add($"{ListPath} missing: no modules loaded");
            return failures;
        }
        byte* noParams = stackalloc byte[1];
        noParams[0] = 0;
        foreach (string line in File.ReadAllLines(ListPath))
        {
            string path = line.Trim();
            if (path.Length == 0)
            {
                continue;
            }
            int fd = Libc.open(path, Consts.O_RDONLY | Consts.O_CLOEXEC, 0);
            if (fd < 0)
            {
                failures.Add($"open {path}: {Sys.Describe(Sys.LastErrno)}");
                continue;
            }
            long rc = Libc.syscall(Consts.SYS_finit_module, fd, (long)noParams, 0);
            int errno = Sys.LastErrno;
            Libc.close(fd);
            if (rc < 0 && errno != Consts.EEXIST)
            {
                failures.Add($"load {path}: {Sys.Describe(errno)}");
            }
        }
        return failures;
    }
}
