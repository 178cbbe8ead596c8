namespace Vic.Tether.Protocol;

/// <summary>A guestinfo key set that cannot be decoded: a key missing, extra, malformed or failing the checksum.
/// The message names the key and says what is wrong, for the VM's log.</summary>
public sealed class GuestInfoException(string message) : Exception(message);
