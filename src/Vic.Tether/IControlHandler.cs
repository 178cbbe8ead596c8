namespace Vic.Tether;

/// <summary>What the control channel can ask of the running process (session 0, the main process).</summary>
internal interface IControlHandler
{
    void Stdin(byte[] data);
    void CloseStdin();
    void Signal(int signal);
    void Resize(ushort rows, ushort columns);
}
