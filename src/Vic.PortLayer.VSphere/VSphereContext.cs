using Microsoft.Extensions.Logging;
using Vic.Vsphere;

namespace Vic.PortLayer.VSphere;

/// <summary>What every part of the backend works with: the session, the resolved inventory, the options.</summary>
internal sealed record VSphereContext(VsphereClient Client, Placement Placement, VSphereBackendOptions Options, ILogger Logger)
{
    public Datacenter Datacenter => Placement.Datacenter;
    public TimeProvider Time => Options.TimeProvider;

    /// <summary>Deletes a datastore file or folder; a missing one is not an error (cleanup after failures, removal).</summary>
    public async Task DeleteQuietlyAsync(DatastorePath path, CancellationToken cancellationToken)
    {
        try
        {
            await Client.Datastores.DeleteAsync(Datacenter, path, cancellationToken);
        }
        catch (FileNotFoundFault)
        {
        }
    }

    /// <summary>A file's bytes, or null when it does not exist.</summary>
    public async Task<byte[]?> DownloadOrNullAsync(DatastorePath path, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        try
        {
            await Client.Datastores.DownloadAsync(Datacenter, path, buffer, cancellationToken);
        }
        catch (FileNotFoundFault)
        {
            return null;
        }
        return buffer.ToArray();
    }
}
