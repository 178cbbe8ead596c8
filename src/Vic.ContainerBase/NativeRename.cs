using System.Runtime.InteropServices;

namespace Vic.ContainerBase;

/// <summary>rename(2): File.Move resolves a symlink source before moving it, but the link itself must move.</summary>
internal static partial class NativeRename
{
    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameRaw(string from, string to);

    public static void Rename(string from, string to)
    {
        if (RenameRaw(from, to) != 0)
        {
            throw new IOException($"rename {from} -> {to}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
        }
    }
}
