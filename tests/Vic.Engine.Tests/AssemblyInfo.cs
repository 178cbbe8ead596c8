// These tests use unix sockets and file modes: Linux only, like the VCH.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
