using Vic.Vsphere;

namespace Vic.PortLayer.VSphere;

/// <summary>
/// The one place where vSphere's failures become port-layer errors, each message naming the backend, what it was
/// doing and vSphere's own words, so `docker` prints something an operator can act on.
/// </summary>
internal static class Faults
{
    /// <summary>Runs <paramref name="action"/>, translating vSphere and transport failures.</summary>
    public static async Task<T> GuardAsync<T>(string doing, Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (Translate(doing, e) is { } translated)
        {
            throw translated;
        }
    }

    public static Task GuardAsync(string doing, Func<Task> action) =>
        GuardAsync<bool>(doing, async () =>
        {
            await action();
            return true;
        });

    /// <summary>The port-layer error for <paramref name="e"/>, or null when it is one already (or not ours to map).</summary>
    public static PortLayerException? Translate(string doing, Exception e) => e switch
    {
        PortLayerException => null,
        InvalidLoginFault or NotAuthenticatedFault => new UnavailableException($"vsphere: {doing}: vSphere refused the credentials: {e.Message}", e),
        DuplicateNameFault => new AlreadyExistsException($"vsphere: {doing}: {e.Message}"),
        InvalidPowerStateFault => new ConflictException($"vsphere: {doing}: {e.Message}"),
        FileNotFoundFault or ManagedObjectNotFoundFault => new InternalException($"vsphere: {doing}: {Describe((VsphereFault)e)}", e),
        VsphereFault fault => new InternalException($"vsphere: {doing}: {Describe(fault)}", e),
        Vic.Vsphere.NotFoundException => new UnavailableException($"vsphere: {doing}: {e.Message}", e),
        VsphereCertificateException or HttpRequestException or TimeoutException =>
            new UnavailableException($"vsphere: {doing}: {e.Message}", e),
        _ => null,
    };

    /// <summary>"FaultType: message" (or the type alone when vSphere sent no text).</summary>
    public static string Describe(VsphereFault fault) =>
        fault.ServerMessage is { } text && text != fault.FaultType ? $"{fault.FaultType}: {text}" : fault.FaultType;
}
