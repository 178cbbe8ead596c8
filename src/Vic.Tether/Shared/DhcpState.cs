namespace Vic.Tether;

/// <summary>Where the client is in RFC 2131's state diagram (section 4.4).</summary>
internal enum DhcpState
{
    /// <summary>Not started, or released: nothing is sent.</summary>
    Idle,
    /// <summary>DISCOVER sent, waiting for an OFFER.</summary>
    Selecting,
    /// <summary>REQUEST for an offer sent (broadcast), waiting for ACK or NAK.</summary>
    Requesting,
    Bound,
    /// <summary>Past T1: REQUEST unicast to the server that granted the lease.</summary>
    Renewing,
    /// <summary>Past T2: REQUEST broadcast to any server.</summary>
    Rebinding,
}
