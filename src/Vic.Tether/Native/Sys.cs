using System.Runtime.InteropServices;

namespace Vic.Tether.Native;

/// <summary>Errno helpers for the parent side: turn a failed call into a <see cref="TetherException"/>.</summary>
internal static class Sys
{
    public static int LastErrno => Marshal.GetLastPInvokeError();

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant();

    /// <summary>Throws when <paramref name="result"/> is negative, naming what failed and why.</summary>
    public static int Check(int result, string what)
    {
        if (result < 0)
        {
            int errno = LastErrno;
            throw new TetherException($"{what}: {Describe(errno)}", errno);
        }
        return result;
    }

    public static long Check(long result, string what)
    {
        if (result < 0)
        {
            int errno = LastErrno;
            throw new TetherException($"{what}: {Describe(errno)}", errno);
        }
        return result;
    }
}
