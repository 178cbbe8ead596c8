using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>
/// What the tether does differently on VMware, where there is no virtio-serial and no fw_cfg: the log channel is the
/// first serial port (the hypervisor writes it to the datastore), and what the host must learn from a VM that powers
/// itself off (a layer that could not be applied) is set in its guestinfo through the backdoor.
/// </summary>
internal static unsafe class VmwareGuest
{
    /// <summary>The serial port in raw mode (frames are binary: no newline translation, no echo), or -1.</summary>
    public static int OpenSerialLog()
    {
        int fd = Libc.open(Channels.VmwareLogDevice, Consts.O_WRONLY | Consts.O_NOCTTY | Consts.O_CLOEXEC, 0);
        if (fd < 0)
        {
            return -1;
        }
        byte* termios = stackalloc byte[Libc.TermiosBytes];
        if (Libc.tcgetattr(fd, termios) == 0)
        {
            Libc.cfmakeraw(termios);
            _ = Libc.tcsetattr(fd, 0 /* TCSANOW */, termios);
        }
        return fd;
    }

    /// <summary>Sets guestinfo.vic.apply.error for the VCH (which polls the applier VM's extraConfig once it is off);
    /// a refusal is logged, the exit report in the log still says what happened.</summary>
    public static void ReportApplyError(VmwareBackdoor backdoor, string message, LogWriter log)
    {
        try
        {
            backdoor.SetGuestInfo(Channels.ApplyErrorGuestInfoKey, message);
        }
        catch (BackdoorException e)
        {
            log.Tether($"cannot report the apply error through guestinfo: {e.Message}");
        }
    }
}
