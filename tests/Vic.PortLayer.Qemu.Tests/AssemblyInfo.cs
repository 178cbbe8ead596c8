// The backend drives QEMU on Linux only; these tests use Unix-only APIs freely.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
