using System.Globalization;
using System.Xml.Linq;
using Vic.Vsphere.Soap;

namespace Vic.Vsphere;

/// <summary>
/// One property's value as the server sent it. Typed readers cover what vic reads; <see cref="Xml"/> is the raw
/// element for anything else. <see cref="Type"/> is the value's xsi:type ("ArrayOfOptionValue", "xsd:int" as "int").
/// </summary>
public sealed class PropertyValue(XElement xml)
{
    public XElement Xml { get; } = xml;

    public string? Type => Vim.XsiType(Xml);

    public string AsString() => Xml.Value;

    public int AsInt() => int.Parse(Xml.Value, CultureInfo.InvariantCulture);

    public long AsLong() => long.Parse(Xml.Value, CultureInfo.InvariantCulture);

    public bool AsBool() => Xml.Value.Trim() is "true" or "1";

    public ManagedObjectReference AsReference() => Vim.ReadRef(Xml);

    /// <summary>An ArrayOfManagedObjectReference (e.g. a folder's childEntity, a cluster's host).</summary>
    public IReadOnlyList<ManagedObjectReference> AsReferences() => Xml.Elements().Select(Vim.ReadRef).ToList();

    /// <summary>An ArrayOfString.</summary>
    public IReadOnlyList<string> AsStrings() => Xml.Elements().Select(e => e.Value).ToList();

    /// <summary>
    /// An ArrayOfOptionValue (config.extraConfig) as key → value text. A key listed twice keeps its last value: the
    /// simulator appends a reconfigured key instead of replacing it, and the last entry is the one in force.
    /// </summary>
    public IReadOnlyDictionary<string, string> AsOptionValues()
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in Xml.Elements())
        {
            values[Vim.Text(option, "key") ?? ""] = Vim.Text(option, "value") ?? "";
        }
        return values;
    }

    /// <summary>A child field of a data object value, e.g. "state" of a TaskInfo.</summary>
    public PropertyValue? Field(string name) => Vim.Child(Xml, name) is { } child ? new PropertyValue(child) : null;

    public override string ToString() => Xml.ToString(SaveOptions.DisableFormatting);
}
