namespace Vic.Vsphere;

/// <summary>What to read: which properties of which types (<see cref="Properties"/>), on which objects (<see cref="Objects"/>).</summary>
public sealed record PropertyFilter(IReadOnlyList<PropertySelection> Properties, IReadOnlyList<ObjectSelection> Objects)
{
    /// <summary>Some properties of one object.</summary>
    public static PropertyFilter For(ManagedObjectReference obj, params string[] paths) =>
        new([new PropertySelection(obj.Type, paths)], [new ObjectSelection(obj)]);

    /// <summary>Some properties of every object of <paramref name="type"/> below <paramref name="root"/> (the root itself excluded).</summary>
    public static PropertyFilter Below(ManagedObjectReference root, string type, params string[] paths) =>
        new([new PropertySelection(type, paths)], [new ObjectSelection(root, Skip: true, Traversal: Traversals.Inventory)]);

    /// <summary>Some properties of every VM in a resource pool and its sub-pools (the pool itself excluded).</summary>
    public static PropertyFilter VmsInPool(ManagedObjectReference pool, params string[] paths) =>
        new([new PropertySelection("VirtualMachine", paths)], [new ObjectSelection(pool, Skip: true, Traversal: Traversals.PoolTree)]);
}

/// <summary>Properties to read from objects of one type; null <see cref="Paths"/> means all of them (costly on real servers).</summary>
public sealed record PropertySelection(string Type, IReadOnlyList<string>? Paths);

/// <summary>A starting object, whether to report it itself, and how to walk from it to others.</summary>
public sealed record ObjectSelection(ManagedObjectReference Root, bool Skip = false, IReadOnlyList<SelectionSpec>? Traversal = null);

/// <summary>One step of a traversal: a <see cref="TraversalSpec"/>, or a reference to a named one.</summary>
public abstract record SelectionSpec(string? Name);

/// <summary>A reference by name to a <see cref="TraversalSpec"/> declared elsewhere in the same filter (for recursion).</summary>
public sealed record SelectionReference(string Name) : SelectionSpec(Name);

/// <summary>From objects of <see cref="Type"/>, follow the reference property <see cref="Path"/>, then apply <see cref="Select"/>.</summary>
public sealed record TraversalSpec(string? Name, string Type, string Path, bool Skip, IReadOnlyList<SelectionSpec> Select) : SelectionSpec(Name);
