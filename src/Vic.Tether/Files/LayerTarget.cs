using System.Formats.Tar;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>
/// The root disk of a Layers VM, mounted at <see cref="RootFilesystem.NewRoot"/>, onto which the host's layer tars are
/// applied one after another. Each layer is applied on its session's own thread after that thread alone has chrooted
/// into the disk (unshare CLONE_FS): a hostile tar's names, links and symlinks can only reach this disk (DESIGN rule 5),
/// while the rest of the tether keeps the initramfs's /dev for its ports. After a layer the filesystem is synced and
/// frozen: its disk is complete with a clean journal, and stays unwritten until the host has snapshotted it and asks
/// for the next layer (or powers the VM off).
/// </summary>
internal sealed class LayerTarget(LogWriter log)
{
    private readonly Lock _lock = new();
    private bool _frozen;

    public void Apply(Stream tar)
    {
        lock (_lock)
        {
            Sys.Check(Libc.unshare(Consts.CLONE_FS), "give the layer session its own root");
            Sys.Check(Libc.chroot(RootFilesystem.NewRoot), "chroot into the layer disk");
            Sys.Check(Libc.chdir("/"), "chdir /");
            if (_frozen)
            {
                Freezer.Ioctl(Freezer.FITHAW, "thaw the layer disk");
                _frozen = false;
            }
            var extractor = new LayerExtractor();
            int entries = 0;
            try
            {
                using var reader = new TarReader(tar, leaveOpen: true);
                while (reader.GetNextEntry() is TarEntry entry)
                {
                    extractor.Apply(entry);
                    entries++;
                }
                extractor.Finish();
            }
            catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or TetherException or FormatException)
            {
                // The same words as a layer applied in its own VM (LayerApplier).
                throw new FileSessionException(FileErrorKind.Failed, $"failed to apply layer: {e.Message}");
            }
            // FIFREEZE writes everything out and leaves the journal clean: no replay when the layer is used later.
            Freezer.Ioctl(Freezer.FIFREEZE, "freeze the layer disk");
            _frozen = true;
            log.Tether($"applied {entries} tar entries");
        }
    }

    /// <summary>At power-off, after the host has put a scratch overlay on top: the shutdown's remount must not block on a
    /// frozen filesystem, and what it writes lands in the scratch overlay.</summary>
    public void Thaw()
    {
        lock (_lock)
        {
            if (!_frozen)
            {
                return;
            }
            int fd = Libc.open(RootFilesystem.NewRoot, Consts.O_RDONLY | Consts.O_DIRECTORY | Consts.O_CLOEXEC, 0);
            if (fd >= 0)
            {
                unsafe
                {
                    Libc.ioctl(fd, Freezer.FITHAW, null);
                }
                Libc.close(fd);
            }
            _frozen = false;
        }
    }
}
