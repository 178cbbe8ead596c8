namespace Vic.Tether;

/// <summary>What the control channel can ask of one running process (the main process or an exec session's).</summary>
internal interface IControlHandler
{
    void Stdin(byte[] data);
    void CloseStdin();
    void Signal(int signal);
    void Resize(ushort rows, ushort columns);
}

/// <summary>Starts exec sessions and finds the running ones, for the control port.</summary>
internal interface IExecHost
{
    /// <summary>Starts session <paramref name="session"/> from a <see cref="Protocol.ProcessSpec"/> JSON payload.
    /// Answers with ExecStarted or ExecExit frames; never throws.</summary>
    void Start(uint session, byte[] payload);

    IControlHandler? Find(uint session);
}
