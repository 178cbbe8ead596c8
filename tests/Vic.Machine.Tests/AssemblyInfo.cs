// vic-machine manages local VCHs on Linux; these tests use file modes and Linux paths.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
