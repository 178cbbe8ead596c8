using System.Text.Json;
using Vic.Tether.Native;
using Vic.Tether.Protocol;

namespace Vic.Tether;

/// <summary>The first steps of PID 1: kernel filesystems, the spec, the guest clock.</summary>
internal static unsafe class Boot
{
    /// <summary>Mounts /proc, /sys and devtmpfs on /dev in the initramfs (already mounted is fine).</summary>
    public static void MountKernelFilesystems()
    {
        MountOnce("proc", "/proc", "proc", Consts.MS_NOSUID | Consts.MS_NODEV | Consts.MS_NOEXEC, null);
        MountOnce("sysfs", "/sys", "sysfs", Consts.MS_NOSUID | Consts.MS_NODEV | Consts.MS_NOEXEC, null);
        MountOnce("devtmpfs", "/dev", "devtmpfs", Consts.MS_NOSUID, "mode=0755");
    }

    /// <summary>
    /// PID 1 must survive anything the container sends it (kill -TERM 1 from inside): signals reach the main
    /// process only through Signal frames. The kernel already drops default-action signals to init; ignoring
    /// them says so explicitly and holds even if the runtime installed a handler. The launcher's child resets
    /// every disposition to the default before exec, so the process does not inherit these.
    /// </summary>
    public static void IgnoreTerminationSignals()
    {
        const nint Ignore = 1; // SIG_IGN
        foreach (int signal in (ReadOnlySpan<int>)[1 /* HUP */, 2 /* INT */, 3 /* QUIT */, 10 /* USR1 */, 12 /* USR2 */, 13 /* PIPE */, 15 /* TERM */, 20 /* TSTP */, 21 /* TTIN */, 22 /* TTOU */])
        {
            Libc.signal(signal, Ignore);
        }
    }

    /// <summary>True when the kernel command line asks for diagnostics on the console ("vic.debug").</summary>
    public static bool DebugRequested()
    {
        try
        {
            return File.ReadAllText("/proc/cmdline").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Contains("vic.debug");
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Reads (see <see cref="SpecSource"/>) and validates the spec. Throws <see cref="TetherException"/> with a clear reason.</summary>
    public static VmSpec ReadSpec(LogWriter log)
    {
        byte[] json = SpecSource.ReadJson(log);
        VmSpec? spec;
        try
        {
            spec = JsonSerializer.Deserialize(json, ProtocolJson.Default.VmSpec);
        }
        catch (JsonException e)
        {
            throw new TetherException($"invalid container spec: {e.Message}");
        }
        if (spec is null)
        {
            throw new TetherException("invalid container spec: null");
        }
        spec = Normalize(spec);
        if (spec.Mode == VmMode.Container && spec.Process is null)
        {
            throw new TetherException("invalid container spec: Mode Container without Process");
        }
        if (spec.Mode == VmMode.ApplyLayer && spec.Layer is null)
        {
            throw new TetherException("invalid container spec: Mode ApplyLayer without Layer");
        }
        if (spec.Mode == VmMode.Appliance && AppliancePlan.Validate(spec) is string applianceError)
        {
            throw new TetherException(applianceError);
        }
        return spec;
    }

    /// <summary>
    /// The source-generated deserializer sets absent init-only members to null, bypassing their initializers
    /// (and nullable annotations): restore the documented defaults so the rest of the tether can trust them.
    /// </summary>
    private static VmSpec Normalize(VmSpec spec)
    {
        ProcessSpec? process = spec.Process;
        if (process is not null)
        {
            process = process with
            {
                Args = process.Args ?? [],
                Env = process.Env ?? [],
                WorkingDir = process.WorkingDir ?? "",
                User = process.User ?? "",
            };
        }
        LayerApplySpec? layer = spec.Layer;
        if (layer is not null && string.IsNullOrEmpty(layer.TarDevice))
        {
            layer = layer with { TarDevice = "/dev/vdb" };
        }
        ApplianceSpec? appliance = spec.Appliance;
        if (appliance is not null)
        {
            appliance = appliance with
            {
                VchArgs = appliance.VchArgs ?? [],
                Env = appliance.Env ?? [],
                DataDevice = appliance.DataDevice ?? "",
                DataMountPoint = string.IsNullOrEmpty(appliance.DataMountPoint) ? "/var/lib/vic" : appliance.DataMountPoint,
                Secrets = appliance.Secrets ?? [],
                KeyDevice = appliance.KeyDevice ?? "",
            };
        }
        return spec with
        {
            Appliance = appliance,
            Interfaces = spec.Interfaces ?? [],
            ExtraHosts = spec.ExtraHosts ?? [],
            Mounts = spec.Mounts ?? [],
            Id = spec.Id ?? "",
            Hostname = spec.Hostname ?? "",
            Domainname = spec.Domainname ?? "",
            RootDevice = string.IsNullOrEmpty(spec.RootDevice) ? "/dev/vda" : spec.RootDevice,
            Process = process,
            Layer = layer,
        };
    }

    /// <summary>
    /// Sets the guest clock from the host's when the guest's is clearly wrong (before 2020): microvm has an RTC,
    /// so this is the exception; timestamps of output records depend on it.
    /// </summary>
    public static string? FixClock(long hostTimeUnixMs)
    {
        if (hostTimeUnixMs <= 0 || Clock.UnixNanos() >= 1_577_836_800L * 1_000_000_000 /* 2020-01-01 */)
        {
            return null;
        }
        var time = new Timespec { Seconds = hostTimeUnixMs / 1000, Nanoseconds = hostTimeUnixMs % 1000 * 1_000_000 };
        Sys.Check(Libc.clock_settime(0, &time), "set the clock");
        return $"guest clock set from host time {hostTimeUnixMs}";
    }

    private static void MountOnce(string source, string target, string fstype, ulong flags, string? data)
    {
        Directory.CreateDirectory(target);
        if (Libc.mount(source, target, fstype, flags, data) < 0 && Sys.LastErrno != 16 /* EBUSY: already mounted */)
        {
            throw new TetherException($"mount {fstype} on {target}: {Sys.Describe(Sys.LastErrno)}");
        }
    }
}
