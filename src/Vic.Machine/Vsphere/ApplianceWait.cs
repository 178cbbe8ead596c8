using System.Net.Sockets;
using Vic.Vsphere;

namespace Vic.Machine.Vsphere;

/// <summary>
/// Waits for a powered-on appliance to come up: first for vSphere to report its address (VMware Tools or the
/// tether publishes guest.ipAddress), then for its Docker API port to accept connections.
/// </summary>
internal static class ApplianceWait
{
    public static async Task<string> WaitAsync(VsphereClient client, ManagedObjectReference vm, string name, int port, TimeSpan timeout,
        TextWriter progress, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        string? address = null;
        progress.WriteLine($"Waiting up to {timeout.TotalSeconds:0} s for appliance {name} to report its address");
        try
        {
            while ((address = (await client.Properties.RetrieveAsync(vm, "guest.ipAddress", limit.Token))?.AsString()) is not { Length: > 0 })
                await Task.Delay(TimeSpan.FromSeconds(1), limit.Token);
            progress.WriteLine($"Appliance {name} has address {address}; waiting for its Docker API on port {port}");
            while (true)
            {
                try
                {
                    using var tcp = new TcpClient();
                    await tcp.ConnectAsync(address, port, limit.Token);
                    return address;
                }
                catch (SocketException)
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), limit.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            string what = address is null
                ? "did not report an IP address (a vCenter simulator runs no guest, so there it never will)"
                : $"has address {address} but its Docker API on port {port} did not answer";
            throw new MachineException(
                $"appliance VM {name} is powered on but {what} within {timeout.TotalSeconds:0} s. The VCH is left in place: " +
                "vic-machine inspect --target ... shows it once it is up; vic-machine delete --target ... removes it",
                ExitCodes.Timeout);
        }
    }
}
