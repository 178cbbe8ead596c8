using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// Files on datastores: folders and deletes through FileManager, contents streamed through the server's
/// HTTPS <c>/folder/&lt;path&gt;?dcPath=&lt;dc&gt;&amp;dsName=&lt;ds&gt;</c> endpoint with the session cookie, listings
/// through the datastore browser.
/// </summary>
public sealed class DatastoreFiles
{
    private readonly VsphereClient _client;

    internal DatastoreFiles(VsphereClient client) => _client = client;

    /// <summary>Creates a folder (and its parents when <paramref name="createParents"/>).</summary>
    /// <exception cref="FileAlreadyExistsFault">It exists.</exception>
    public Task MakeDirectoryAsync(Datacenter datacenter, DatastorePath path, bool createParents = true, CancellationToken cancellationToken = default) =>
        _client.InvokeAsync("MakeDirectory", _client.ServiceContent.FileManager,
            [Vim.El("name", path.ToString()), Vim.Ref("datacenter", datacenter.Reference), Vim.El("createParentDirectories", createParents)],
            cancellationToken);

    /// <summary>Deletes a file or a folder with everything in it.</summary>
    /// <exception cref="FileNotFoundFault">Nothing is there.</exception>
    public async Task DeleteAsync(Datacenter datacenter, DatastorePath path, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("DeleteDatastoreFile_Task", _client.ServiceContent.FileManager,
            [Vim.El("name", path.ToString()), Vim.Ref("datacenter", datacenter.Reference)], cancellationToken);
        await _client.Tasks.WaitAsync(Vim.ReadRef(VsphereClient.ReturnValue(response)!), cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Moves (renames) a file or folder on the same datacenter; with <paramref name="force"/> an existing destination is
    /// replaced, which makes "upload to a temporary name, then move" an atomic replace.
    /// </summary>
    /// <exception cref="FileNotFoundFault">The source does not exist.</exception>
    /// <exception cref="FileAlreadyExistsFault">The destination exists and <paramref name="force"/> is false.</exception>
    public async Task MoveAsync(Datacenter datacenter, DatastorePath source, DatastorePath destination, bool force = false,
        CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("MoveDatastoreFile_Task", _client.ServiceContent.FileManager,
            [Vim.El("sourceName", source.ToString()), Vim.Ref("sourceDatacenter", datacenter.Reference),
             Vim.El("destinationName", destination.ToString()), Vim.Ref("destinationDatacenter", datacenter.Reference), Vim.El("force", force)],
            cancellationToken);
        await _client.Tasks.WaitAsync(Vim.ReadRef(VsphereClient.ReturnValue(response)!), cancellationToken: cancellationToken);
    }

    /// <summary>Uploads <paramref name="content"/> (read to its end, streamed) to a file, replacing it if present.</summary>
    public async Task UploadAsync(Datacenter datacenter, DatastorePath path, Stream content, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        using var request = new HttpRequestMessage(HttpMethod.Put, FolderUri(datacenter, path)) { Content = new StreamContent(content) };
        request.Content.Headers.ContentType = new("application/octet-stream");
        if (content.CanSeek)
        {
            request.Content.Headers.ContentLength = content.Length - content.Position;
        }
        using var response = await _client.SendHttpAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await ThrowIfFailedAsync(response, "upload", path, cancellationToken);
        Log.Transfer(Logger, "PUT", path.Path, path.Datastore, Stopwatch.GetElapsedTime(started).TotalMilliseconds, request.Content.Headers.ContentLength ?? -1);
    }

    /// <summary>Streams a file's contents into <paramref name="destination"/>; returns the byte count.</summary>
    /// <exception cref="FileNotFoundFault">No such file.</exception>
    public async Task<long> DownloadAsync(Datacenter datacenter, DatastorePath path, Stream destination, CancellationToken cancellationToken = default)
    {
        long started = Stopwatch.GetTimestamp();
        using var response = await GetAsync(datacenter, path, cancellationToken);
        await ThrowIfFailedAsync(response, "download", path, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var counting = new byte[81920];
        long total = 0;
        int read;
        while ((read = await body.ReadAsync(counting, cancellationToken)) > 0)
        {
            await destination.WriteAsync(counting.AsMemory(0, read), cancellationToken);
            total += read;
        }
        Log.Transfer(Logger, "GET", path.Path, path.Datastore, Stopwatch.GetElapsedTime(started).TotalMilliseconds, total);
        return total;
    }

    /// <summary>
    /// The names (files and folders) directly in a datastore folder (HostDatastoreBrowser.SearchDatastore_Task).
    /// </summary>
    /// <exception cref="FileNotFoundFault">The folder does not exist.</exception>
    public async Task<IReadOnlyList<DatastoreFile>> ListAsync(Datastore datastore, string folder, CancellationToken cancellationToken = default)
    {
        var response = await _client.InvokeAsync("SearchDatastore_Task", datastore.Browser,
            [Vim.El("datastorePath", datastore.PathOf(folder).ToString()),
             // An explicit "*" pattern: vSphere matches everything without one, the simulator nothing.
             Vim.El("searchSpec",
                 Vim.El("details", Vim.El("fileType", true), Vim.El("fileSize", true), Vim.El("modification", true), Vim.El("fileOwner", false)),
                 Vim.El("matchPattern", "*"))],
            cancellationToken);
        var result = await _client.Tasks.WaitAsync(Vim.ReadRef(VsphereClient.ReturnValue(response)!), cancellationToken: cancellationToken);
        if (result is null)
        {
            return [];
        }
        return Vim.Children(result.Xml, "file")
            .Select(f => new DatastoreFile(Vim.Text(f, "path") ?? "", Vim.Long(f, "fileSize"), Vim.XsiType(f) == "FolderFileInfo"))
            .ToList();
    }

    /// <summary>Whether a file or folder exists (a name lookup in its parent folder).</summary>
    public async Task<bool> ExistsAsync(Datastore datastore, string path, CancellationToken cancellationToken = default)
    {
        string trimmed = path.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        string folder = slash < 0 ? "" : trimmed[..slash];
        string name = trimmed[(slash + 1)..];
        try
        {
            return (await ListAsync(datastore, folder, cancellationToken)).Any(f => f.Name == name);
        }
        catch (FileNotFoundFault)
        {
            return false;
        }
    }

    private ILogger Logger => _client.Logger;

    private async Task<HttpResponseMessage> GetAsync(Datacenter datacenter, DatastorePath path, CancellationToken cancellationToken)
    {
        int logins = _client.LoginCount;
        var response = await _client.SendHttpAsync(new HttpRequestMessage(HttpMethod.Get, FolderUri(datacenter, path)), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // The cookie outlived its session: a GET can be repeated after logging in again (an upload's stream cannot).
            response.Dispose();
            await _client.ReloginAsync(logins, cancellationToken);
            response = await _client.SendHttpAsync(new HttpRequestMessage(HttpMethod.Get, FolderUri(datacenter, path)), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        return response;
    }

    private Uri FolderUri(Datacenter datacenter, DatastorePath path)
    {
        string escapedPath = string.Join('/', path.Path.Split('/').Select(Uri.EscapeDataString));
        var builder = new UriBuilder(_client.Url)
        {
            Path = "/folder/" + escapedPath,
            Query = $"dcPath={Uri.EscapeDataString(datacenter.Path.TrimStart('/'))}&dsName={Uri.EscapeDataString(path.Datastore)}",
        };
        return builder.Uri;
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, string what, DatastorePath path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        string message = $"{what} of {path} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}" +
            (string.IsNullOrWhiteSpace(body) ? "" : $": {(body.Length > 200 ? body[..200] : body).Trim()}");
        throw response.StatusCode == HttpStatusCode.NotFound
            ? new FileNotFoundFault(message, null, what, path.ToString())
            : new FileFault("FileFault", message, null, what, path.ToString());
    }
}

/// <summary>An entry of a datastore folder listing.</summary>
public sealed record DatastoreFile(string Name, long? Size, bool IsFolder);
