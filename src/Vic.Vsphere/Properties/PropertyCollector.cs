using System.Runtime.CompilerServices;
using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// Reads properties (RetrievePropertiesEx, paging with ContinueRetrievePropertiesEx) and tracks changes
/// (CreateFilter + WaitForUpdatesEx on a collector of the caller's own, so concurrent watches never see each
/// other's updates).
/// </summary>
public sealed class PropertyCollector
{
    private const int PageSize = 500;
    private readonly VsphereClient _client;

    internal PropertyCollector(VsphereClient client) => _client = client;

    /// <summary>Every object the filter selects, with the properties asked for; empty when nothing matches.</summary>
    /// <exception cref="ManagedObjectNotFoundFault">A root object does not exist.</exception>
    public async Task<IReadOnlyList<ObjectContent>> RetrieveAsync(PropertyFilter filter, CancellationToken cancellationToken = default)
    {
        var collector = _client.ServiceContent.PropertyCollector;
        var results = new List<ObjectContent>();
        var response = await _client.InvokeAsync("RetrievePropertiesEx", collector,
            [Write("specSet", filter), Vim.El("options", Vim.El("maxObjects", PageSize))], cancellationToken, ThrowIfUnauthenticated);
        string? token = Read(VsphereClient.ReturnValue(response), results);
        while (token is not null)
        {
            response = await _client.InvokeAsync("ContinueRetrievePropertiesEx", collector, [Vim.El("token", token)], cancellationToken, ThrowIfUnauthenticated);
            token = Read(VsphereClient.ReturnValue(response), results);
        }
        return results;
    }

    /// <summary>Some properties of one object.</summary>
    /// <exception cref="ManagedObjectNotFoundFault">The object does not exist.</exception>
    public async Task<ObjectContent> RetrieveAsync(ManagedObjectReference obj, IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
    {
        var results = await RetrieveAsync(PropertyFilter.For(obj, [.. paths]), cancellationToken);
        return results.Count > 0 ? results[0] : throw FaultParser.Create("ManagedObjectNotFound", $"{obj} was not found", null, "RetrievePropertiesEx");
    }

    /// <summary>One property of one object, or null when unset.</summary>
    public async Task<PropertyValue?> RetrieveAsync(ManagedObjectReference obj, string path, CancellationToken cancellationToken = default) =>
        (await RetrieveAsync(obj, [path], cancellationToken))[path];

    /// <summary>
    /// Changes to what the filter selects, as they happen: first an Enter for each object with its current values,
    /// then Modify/Leave as the server reports them. Runs until cancelled; the filter and the private collector are
    /// destroyed when the enumeration ends. After a re-login (the old session's collector is gone) the watch starts
    /// over and reports every object again with Enter.
    /// </summary>
    public async IAsyncEnumerable<ObjectUpdate> WatchAsync(PropertyFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var (collector, logins) = await CreateCollectorAsync(filter, cancellationToken);
            try
            {
                string version = "";
                while (true)
                {
                    XElement response;
                    try
                    {
                        // Long-poll for up to a minute, under the client's request timeout; null means nothing changed.
                        response = await _client.InvokeAsync("WaitForUpdatesEx", collector,
                            [Vim.El("version", version), Vim.El("options", Vim.El("maxWaitSeconds", 60))], cancellationToken);
                    }
                    catch (ManagedObjectNotFoundFault) when (_client.LoginCount != logins)
                    {
                        break; // the collector died with the old session: create a new one
                    }
                    XElement? set = VsphereClient.ReturnValue(response);
                    if (set is null)
                    {
                        continue;
                    }
                    version = Vim.Text(set, "version") ?? version;
                    foreach (var update in ReadUpdates(set))
                    {
                        yield return update;
                    }
                }
            }
            finally
            {
                await DestroyQuietlyAsync(collector);
            }
        }
    }

    /// <summary>Destroys a filter created with CreateFilter (for callers managing their own filters).</summary>
    public Task DestroyFilterAsync(ManagedObjectReference filter, CancellationToken cancellationToken = default) =>
        _client.InvokeAsync("DestroyPropertyFilter", filter, [], cancellationToken);

    private async Task<(ManagedObjectReference Collector, int Logins)> CreateCollectorAsync(PropertyFilter filter, CancellationToken cancellationToken)
    {
        int logins = _client.LoginCount;
        var response = await _client.InvokeAsync("CreatePropertyCollector", _client.ServiceContent.PropertyCollector, [], cancellationToken);
        var collector = Vim.ReadRef(VsphereClient.ReturnValue(response)!);
        try
        {
            await _client.InvokeAsync("CreateFilter", collector, [Write("spec", filter), Vim.El("partialUpdates", false)], cancellationToken);
        }
        catch
        {
            await DestroyQuietlyAsync(collector);
            throw;
        }
        return (collector, logins);
    }

    private async Task DestroyQuietlyAsync(ManagedObjectReference collector)
    {
        // Destroying the collector destroys its filters. Not tied to the caller's token: a cancelled watch must
        // still clean up, and a collector left behind would only live as long as the session.
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _client.InvokeAsync("DestroyPropertyCollector", collector, [], limit.Token);
        }
        catch (Exception e) when (e is VsphereFault or HttpRequestException or OperationCanceledException or TimeoutException or ObjectDisposedException)
        {
        }
    }

    /// <summary>
    /// A property collector asked without a session may answer with every property "missing" for NotAuthenticated
    /// instead of a fault (the simulator does); that is the same condition and must trigger the same re-login.
    /// </summary>
    private static void ThrowIfUnauthenticated(XElement response)
    {
        var fault = response.Descendants(Vim.N("missingSet")).Select(m => Vim.Child(m, "fault")).FirstOrDefault(f => f is not null);
        if (fault is not null && Vim.Child(fault, "fault") is { } inner && Vim.XsiType(inner) == "NotAuthenticated")
        {
            throw FaultParser.FromLocalizedFault(fault, "RetrievePropertiesEx");
        }
    }

    /// <summary>Appends one page of results; returns the continuation token, if any.</summary>
    private static string? Read(XElement? result, List<ObjectContent> into)
    {
        if (result is null)
        {
            return null;
        }
        foreach (var content in Vim.Children(result, "objects"))
        {
            into.Add(ReadContent(content));
        }
        return Vim.Text(result, "token");
    }

    internal static ObjectContent ReadContent(XElement content)
    {
        var properties = new Dictionary<string, PropertyValue>(StringComparer.Ordinal);
        foreach (var property in Vim.Children(content, "propSet"))
        {
            if (Vim.Child(property, "val") is { } value)
            {
                properties[Vim.Text(property, "name") ?? ""] = new PropertyValue(value);
            }
        }
        var missing = new Dictionary<string, VsphereFault>(StringComparer.Ordinal);
        foreach (var property in Vim.Children(content, "missingSet"))
        {
            if (Vim.Child(property, "fault") is { } fault)
            {
                missing[Vim.Text(property, "path") ?? ""] = FaultParser.FromLocalizedFault(fault, "RetrievePropertiesEx");
            }
        }
        return new ObjectContent(Vim.ReadRef(Vim.Child(content, "obj")!), properties, missing);
    }

    private static IEnumerable<ObjectUpdate> ReadUpdates(XElement updateSet)
    {
        foreach (var filterUpdate in Vim.Children(updateSet, "filterSet"))
        {
            foreach (var objectUpdate in Vim.Children(filterUpdate, "objectSet"))
            {
                var kind = Vim.Text(objectUpdate, "kind") switch
                {
                    "enter" => ObjectUpdateKind.Enter,
                    "leave" => ObjectUpdateKind.Leave,
                    _ => ObjectUpdateKind.Modify,
                };
                var changes = Vim.Children(objectUpdate, "changeSet")
                    .Select(c => new PropertyChange(Vim.Text(c, "name") ?? "", Vim.Text(c, "op") ?? "assign",
                        Vim.Child(c, "val") is { } v ? new PropertyValue(v) : null))
                    .ToList();
                yield return new ObjectUpdate(kind, Vim.ReadRef(Vim.Child(objectUpdate, "obj")!), changes);
            }
        }
    }

    /// <summary>A PropertyFilterSpec element in schema order: propSet, objectSet.</summary>
    internal static XElement Write(string name, PropertyFilter filter) =>
        Vim.El(name,
            filter.Properties.Select(p => Vim.El("propSet",
                Vim.El("type", p.Type),
                Vim.Opt("all", p.Paths is null ? true : null),
                p.Paths?.Select(path => Vim.El("pathSet", path)))),
            filter.Objects.Select(o => Vim.El("objectSet",
                Vim.Ref("obj", o.Root),
                Vim.El("skip", o.Skip),
                o.Traversal?.Select(s => WriteSelection("selectSet", s)))));

    private static XElement WriteSelection(string name, SelectionSpec spec) => spec switch
    {
        TraversalSpec t => Vim.Typed(name, "TraversalSpec",
            Vim.Opt("name", t.Name), Vim.El("type", t.Type), Vim.El("path", t.Path), Vim.El("skip", t.Skip),
            t.Select.Select(s => WriteSelection("selectSet", s))),
        _ => Vim.El(name, Vim.El("name", spec.Name)),
    };
}
