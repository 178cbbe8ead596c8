namespace Vic.Tether;

/// <summary>A failure of the tether itself (not of the container's process); ends the run with exit code 125.</summary>
internal sealed class TetherException(string message, int errno = 0) : Exception(message)
{
    public int Errno { get; } = errno;
}
