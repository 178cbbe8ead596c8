// The tether only ever runs as PID 1 of a Linux guest.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
