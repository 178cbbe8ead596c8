namespace Vic.Vsphere;

/// <summary>An inventory lookup found nothing at the path or name given (not a server fault: the call succeeded).</summary>
public sealed class NotFoundException(string message) : Exception(message);
