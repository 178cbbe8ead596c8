namespace Vic.Tether.Protocol;

/// <summary>
/// Names shared by the hypervisor side and the tether. virtio-serial ports are found in the guest by
/// reading /sys/class/virtio-ports/*/name (there is no udev in the initramfs).
/// </summary>
public static class Channels
{
    /// <summary>fw_cfg entry holding the <see cref="VmSpec"/> JSON; in the guest at /sys/firmware/qemu_fw_cfg/by_name/opt/vic/spec/raw.</summary>
    public const string SpecFwCfgName = "opt/vic/spec";

    /// <summary>
    /// fw_cfg entry holding guestinfo key/value pairs as .vmx lines (<see cref="GuestInfoText"/>): a VM configured the
    /// way vSphere configures one (its extraConfig), booted under QEMU. Read when <see cref="SpecFwCfgName"/> is absent.
    /// </summary>
    public const string GuestInfoFwCfgName = "opt/vic/guestinfo";

    /// <summary>
    /// Durable output channel: QEMU appends it to a file on the datastore, so output is kept while the VCH
    /// is down. Carries <see cref="LogRecord"/> frames (stdout, stderr, started, exit, tether diagnostics).
    /// </summary>
    public const string LogPort = "vic.log";

    /// <summary>
    /// Interactive channel, a unix socket the VCH connects to when it is up. Carries <see cref="ControlFrame"/>s
    /// host to guest (stdin, stdin close, signal, resize, exec start) and guest to host for exec sessions only
    /// (their output, start and exit). Guest writes block while no host is connected, so the main process's
    /// output never travels here: it goes to the durable log port.
    /// </summary>
    public const string ControlPort = "vic.control";

    /// <summary>
    /// On VMware (no virtio-serial): the log channel is the VM's first serial port, which the hypervisor writes to a
    /// datastore file (a containerVM's output.log, the appliance's console.log). Same frames as <see cref="LogPort"/>.
    /// </summary>
    public const string VmwareLogDevice = "/dev/ttyS0";

    /// <summary>guestinfo key a layer-applier VM's tether sets (RPCI info-set) when the layer cannot be applied.</summary>
    public const string ApplyErrorGuestInfoKey = "guestinfo.vic.apply.error";
}
