namespace Vic.Machine;

/// <summary>A failure vic-machine reports to the user with a message and an exit code scripts can test.</summary>
internal sealed class MachineException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>vic-machine's exit codes.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>The operation failed (daemon did not start, API error...).</summary>
    public const int Failure = 1;
    /// <summary>The command line is wrong or names an impossible value (validated before any change).</summary>
    public const int InvalidArgument = 2;
    /// <summary>The VCH named does not exist.</summary>
    public const int NotFound = 3;
    /// <summary>Refused because of the VCH's state (exists already, containers running without --force).</summary>
    public const int Conflict = 4;
    /// <summary>Gave up waiting (--timeout).</summary>
    public const int Timeout = 5;
}
