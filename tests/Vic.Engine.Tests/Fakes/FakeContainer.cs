using Vic.PortLayer;

namespace Vic.Engine.Tests.Fakes;

/// <summary>One container of the fake backend: its spec, state, output log and waiters. Guarded by its own lock.</summary>
internal sealed class FakeContainer(ContainerInfo info)
{
    public ContainerInfo Info { get; set; } = info;
    public List<(int Run, OutputChunk Chunk)> Output { get; } = [];
    public List<byte[]> Stdin { get; } = [];
    public bool StdinClosed { get; set; }
    public List<int> Signals { get; } = [];
    public (ushort Rows, ushort Columns)? Size { get; set; }
    public int Runs { get; set; }
    /// <summary>The memory its current run started with: a running VM's can go down from it, never above.</summary>
    public long BootMemoryBytes { get; set; }
    public bool Removed { get; set; }
    public CancellationTokenSource? RunCancel { get; set; }

    /// <summary>Completed and replaced on every change, so readers can wait for "something happened".</summary>
    public TaskCompletionSource Changed { get; private set; } = NewSignal();

    public List<(WaitCondition Condition, TaskCompletionSource<ContainerExit> Waiter)> Waiters { get; } = [];

    public ContainerRunState State => Info.Status.State;

    public void Notify()
    {
        var old = Changed;
        Changed = NewSignal();
        old.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
