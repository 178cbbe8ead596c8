using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether.Files;

/// <summary>
/// Mode Files: a throwaway VM on a container's disk (and, for diff and commit, its image's top layer, read-only)
/// that serves the host's file sessions on the control port until the host sends PowerOff (for docker cp of a
/// stopped container, with its mounts in place). Nothing of the container runs: the disk is only read and written by the tether, inside this VM (DESIGN rule 5).
/// </summary>
internal static class FilesService
{
    public const string LowerMount = "/vic/lower";

    public static ExitReport Run(VmSpec spec, LogWriter log, string? controlDevice)
    {
        FilesSpec files = spec.Files ?? new FilesSpec();
        if (controlDevice is null)
        {
            throw new TetherException($"no control port \"{Channels.ControlPort}\": a Files VM has nothing to serve");
        }
        if (files.RootReadOnly)
        {
            // A running container's disk, frozen by its own tether: its journal is clean, and nothing may be replayed
            // or written from here.
            MountReadOnly(spec.RootDevice, RootFilesystem.NewRoot);
        }
        else
        {
            RootFilesystem.MountRootDisk(spec.RootDevice);
            // docker cp of a stopped container: its volumes and bind mounts at their targets, as in its own VM, so a
            // copy into /data lands in the volume mounted there (a new volume is seeded from the image first, as at a
            // start: whichever comes first, nothing is seeded twice).
            ContainerMounts.MountAll(spec.Mounts, log.Debug);
        }
        string? lower = null;
        if (files.LowerDevice.Length > 0)
        {
            MountReadOnly(files.LowerDevice, LowerMount);
            lower = LowerMount;
        }

        using var done = new ManualResetEventSlim();
        var port = new ControlPort(controlDevice, log);
        port.Start(new NoProcess(), new NoExecs(log), new FileSessions(new FileRoots(RootFilesystem.NewRoot, lower, Running: false), port, log, TransferDisk.Open(spec.Transfer, log)), done.Set);
        done.Wait();
        Libc.sync();
        return new ExitReport { ExitCode = 0 };
    }

    /// <summary>Mode Layers: the root disk mounted read-write, ApplyLayer sessions served until PowerOff.</summary>
    public static ExitReport RunLayers(VmSpec spec, LogWriter log, string? controlDevice)
    {
        if (controlDevice is null)
        {
            throw new TetherException($"no control port \"{Channels.ControlPort}\": a Layers VM has nothing to serve");
        }
        RootFilesystem.MountRootDisk(spec.RootDevice);
        var layers = new LayerTarget(log);
        using var done = new ManualResetEventSlim();
        var port = new ControlPort(controlDevice, log);
        port.Start(new NoProcess(), new NoExecs(log), new FileSessions(new FileRoots(RootFilesystem.NewRoot, null, Running: false), port, log, TransferDisk.Open(spec.Transfer, log), layers), done.Set);
        done.Wait();
        layers.Thaw();
        Libc.sync();
        return new ExitReport { ExitCode = 0 };
    }

    private static void MountReadOnly(string device, string target)
    {
        if (!Ports.WaitForDevice(device, TimeSpan.FromSeconds(5)))
        {
            throw new TetherException($"device {device} did not appear");
        }
        Directory.CreateDirectory(target);
        if (Libc.mount(device, target, "ext4", Consts.MS_RDONLY, "norecovery") < 0)
        {
            Sys.Check(Libc.mount(device, target, "ext4", Consts.MS_RDONLY, null), $"mount {device} read-only");
        }
    }

    /// <summary>There is no container process in a Files VM: its control frames have nowhere to go.</summary>
    private sealed class NoProcess : IControlHandler
    {
        public void Stdin(byte[] data)
        {
        }

        public void CloseStdin()
        {
        }

        public void Signal(int signal)
        {
        }

        public void Resize(ushort rows, ushort columns)
        {
        }
    }

    private sealed class NoExecs(LogWriter log) : IExecHost
    {
        public void Start(uint session, byte[] payload) => log.Tether($"exec session {session} refused: this VM runs no container");

        public IControlHandler? Find(uint session) => null;
    }
}
