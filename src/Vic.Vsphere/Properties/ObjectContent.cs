namespace Vic.Vsphere;

/// <summary>
/// The properties read from one object. A property that is unset on the server is absent from
/// <see cref="Properties"/>; one the server could not read (no permission) is in <see cref="Missing"/>.
/// </summary>
public sealed record ObjectContent(
    ManagedObjectReference Object,
    IReadOnlyDictionary<string, PropertyValue> Properties,
    IReadOnlyDictionary<string, VsphereFault> Missing)
{
    /// <summary>A property's value, or null when unset.</summary>
    public PropertyValue? this[string path] => Properties.GetValueOrDefault(path);

    /// <summary>A property that must be set; throws naming the object and path otherwise.</summary>
    public PropertyValue Required(string path) =>
        Properties.GetValueOrDefault(path) ?? throw new KeyNotFoundException(
            Missing.TryGetValue(path, out var fault) ? $"{Object} {path}: {fault.Message}" : $"{Object} has no {path}");
}

/// <summary>How an object changed in a property-collector update.</summary>
public enum ObjectUpdateKind
{
    /// <summary>The object entered the filter's set (first report, or created).</summary>
    Enter,
    /// <summary>Some of its properties changed.</summary>
    Modify,
    /// <summary>It left the set (destroyed, or moved out of the traversal).</summary>
    Leave,
}

/// <summary>One property change; <see cref="Value"/> is null for "remove" and for properties that became unset.</summary>
public sealed record PropertyChange(string Path, string Operation, PropertyValue? Value);

/// <summary>One object's changes in a WaitForUpdatesEx result.</summary>
public sealed record ObjectUpdate(ObjectUpdateKind Kind, ManagedObjectReference Object, IReadOnlyList<PropertyChange> Changes)
{
    public PropertyValue? this[string path] => Changes.LastOrDefault(c => c.Path == path)?.Value;
}
