using Vic.PortLayer;

namespace Vic.PortLayer.Qemu.Vm;

/// <summary>qemu-img and mkfs.ext4 as the backend uses them: qcow2 children and the one empty base disk.</summary>
internal sealed class QemuImg(string qemuImgBinary, string mkfsBinary)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>Creates <paramref name="child"/> as a copy-on-write child of <paramref name="parent"/> (absolute path).</summary>
    public async Task CreateChildAsync(string parent, string child, CancellationToken cancellationToken)
    {
        ToolResult r = await RunAsync(qemuImgBinary, ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", parent, child], cancellationToken);
        if (r.ExitCode != 0)
            throw new InternalException($"qemu-img create failed: {QemuLauncher.FirstLines(r.Message)}");
    }

    /// <summary>
    /// Makes the empty ext4 root every chain starts from: a sparse raw file formatted with lazy init (so mkfs
    /// writes little), converted to qcow2 (so only written clusters take space).
    /// </summary>
    public async Task CreateEmptyExt4Async(string qcow2Path, long sizeBytes, CancellationToken cancellationToken)
    {
        string raw = qcow2Path + ".raw";
        try
        {
            await using (var f = new FileStream(raw, FileMode.CreateNew, FileAccess.Write))
                f.SetLength(sizeBytes);
            ToolResult mkfs = await RunAsync(mkfsBinary,
                ["-q", "-F", "-E", "lazy_itable_init=1,lazy_journal_init=1", "-L", "vic-root", raw], cancellationToken);
            if (mkfs.ExitCode != 0)
                throw new InternalException($"mkfs.ext4 failed: {QemuLauncher.FirstLines(mkfs.Message)}");
            ToolResult convert = await RunAsync(qemuImgBinary, ["convert", "-q", "-f", "raw", "-O", "qcow2", raw, qcow2Path], cancellationToken);
            if (convert.ExitCode != 0)
                throw new InternalException($"qemu-img convert failed: {QemuLauncher.FirstLines(convert.Message)}");
        }
        finally
        {
            File.Delete(raw);
        }
    }

    /// <summary>A sparse raw file formatted ext4 (lazy init, so mkfs writes little): a volume's disk. Raw, not
    /// qcow2: a volume has no backing chain, and raw gives the guest the datastore's throughput.</summary>
    public async Task CreateRawExt4Async(string rawPath, long sizeBytes, string label, CancellationToken cancellationToken)
    {
        await using (var f = new FileStream(rawPath, FileMode.CreateNew, FileAccess.Write))
            f.SetLength(sizeBytes);
        // root_owner=0:0: mkfs would otherwise give the root directory the owner of the VCH process.
        ToolResult mkfs = await RunAsync(mkfsBinary,
            ["-q", "-F", "-E", "lazy_itable_init=1,lazy_journal_init=1,root_owner=0:0", "-L", label, rawPath], cancellationToken);
        if (mkfs.ExitCode != 0)
            throw new InternalException($"mkfs.ext4 failed: {QemuLauncher.FirstLines(mkfs.Message)}");
    }

    private static async Task<ToolResult> RunAsync(string binary, string[] args, CancellationToken cancellationToken)
    {
        try
        {
            return await ToolRunner.RunAsync(binary, args, Timeout, cancellationToken);
        }
        catch (FileNotFoundException e)
        {
            throw new UnavailableException($"cannot run {binary}: {e.Message}", e);
        }
        catch (TimeoutException e)
        {
            throw new InternalException(e.Message, e);
        }
    }
}
