using Vic.TestSupport;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere.Tests;

/// <summary>
/// Tasks whose state the test drives (TaskManager.CreateTask, Task.UpdateProgress, Task.SetTaskState, which
/// tools/vcsim adds to the simulator): the simulator's own tasks finish before the call that starts them returns.
/// </summary>
[Collection("vcsim")]
public sealed class TaskTests(VcenterSimulator simulator)
{
    [Fact]
    public async Task Progress_is_reported_as_published_and_the_result_returned()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var task = await CreateTaskAsync(client);
        var seen = new List<int>();
        var progress = new SynchronousProgress(seen);
        var wait = client.Tasks.WaitAsync(task, progress);

        await SetStateAsync(client, task, "running");
        foreach (int percent in new[] { 10, 55, 90 })
        {
            await client.InvokeAsync("UpdateProgress", task, [Vim.El("percentDone", percent)], default);
            await WaitUntilAsync(() => seen.Contains(percent));
        }
        await SetStateAsync(client, task, "success", Vim.Typed("result", "xsd:string", "done"));

        var result = await wait;
        Assert.Equal("done", result!.AsString());
        Assert.Equal([10, 55, 90, 100], seen.SkipWhile(p => p == 0)); // a 0 first when the watch saw the fresh task
    }

    [Fact]
    public async Task A_failed_task_throws_its_fault_typed_with_vspheres_message()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var task = await CreateTaskAsync(client);
        var wait = client.Tasks.WaitAsync(task);
        await SetStateAsync(client, task, "running");
        await SetStateAsync(client, task, "error", Vim.El("fault",
            Vim.Typed("fault", "FileNotFound", Vim.El("file", "[LocalDS_0] gone.vmdk")),
            Vim.El("localizedMessage", "File [LocalDS_0] gone.vmdk was not found")));

        var fault = await Assert.ThrowsAsync<FileNotFoundFault>(() => wait);
        Assert.Equal("File [LocalDS_0] gone.vmdk was not found", fault.Message);
        Assert.Equal("[LocalDS_0] gone.vmdk", fault.File);
    }

    [Fact]
    public async Task A_task_that_does_not_finish_in_time_is_a_TimeoutException_and_cancellation_stops_the_wait()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var task = await CreateTaskAsync(client);
        await SetStateAsync(client, task, "running");

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => client.Tasks.WaitAsync(task, timeout: TimeSpan.FromMilliseconds(500)));
        Assert.Contains(task.Value, timeout.Message);
        Assert.Contains("still running", timeout.Message);

        using var cancel = new CancellationTokenSource();
        var wait = client.Tasks.WaitAsync(task, cancellationToken: cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task A_simulator_task_failing_on_a_real_fault_is_typed_too()
    {
        await using var client = await Simulator.ConnectAsync(simulator);
        var dc = await client.Inventory.GetDatacenterAsync("/DC0");
        var fault = await Assert.ThrowsAsync<FileNotFoundFault>(() =>
            client.Disks.DeleteAsync(dc, new DatastorePath("LocalDS_0", "no/such/disk.vmdk")));
        Assert.Equal("FileNotFound", fault.FaultType);
        Assert.Equal("VirtualDiskManager.deleteVirtualDisk", fault.Method); // the task's descriptionId
        Assert.False(string.IsNullOrEmpty(fault.File)); // the simulator names its own host path here
    }

    private static async Task<ManagedObjectReference> CreateTaskAsync(VsphereClient client)
    {
        var response = await client.InvokeAsync("CreateTask", new ManagedObjectReference("TaskManager", "TaskManager"),
            [Vim.Ref("obj", client.ServiceContent.RootFolder), Vim.El("taskTypeId", "vic.test"), Vim.El("initiatedBy", "vic-tests"), Vim.El("cancelable", false)],
            default);
        return Vim.ReadRef(Vim.Child(VsphereClient.ReturnValue(response), "task")!);
    }

    private static Task SetStateAsync(VsphereClient client, ManagedObjectReference task, string state, params System.Xml.Linq.XElement[] extra) =>
        client.InvokeAsync("SetTaskState", task, [Vim.El("state", state), .. extra], default);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, limit.Token);
        }
    }

    /// <summary>Progress&lt;T&gt; posts to the thread pool and may reorder; this records in call order.</summary>
    private sealed class SynchronousProgress(List<int> seen) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (seen)
            {
                seen.Add(value);
            }
        }
    }
}
