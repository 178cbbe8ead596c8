using System.Globalization;
using System.Xml.Linq;

namespace Vic.Vsphere.Soap;

/// <summary>
/// Building and reading urn:vim25 XML. The API is document/literal with xsd sequences, so the order in which
/// callers add child elements is the schema's order; polymorphic values carry xsi:type.
/// </summary>
internal static class Vim
{
    public static readonly XNamespace Ns = "urn:vim25";
    public static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";
    public static readonly XNamespace Xsd = "http://www.w3.org/2001/XMLSchema";
    public static readonly XNamespace SoapEnv = "http://schemas.xmlsoap.org/soap/envelope/";

    public static XName N(string local) => Ns + local;

    /// <summary>An element, or null (dropped by XElement's constructor) when the value is null: optional fields.</summary>
    public static XElement? Opt(string name, object? value) => value switch
    {
        null => null,
        bool b => new XElement(N(name), b ? "true" : "false"),
        IFormattable f => new XElement(N(name), f.ToString(null, CultureInfo.InvariantCulture)),
        XElement e => new XElement(N(name), e.Attributes(), e.Nodes()),
        _ => new XElement(N(name), value.ToString()),
    };

    public static XElement El(string name, params object?[] content) => new(N(name), content);

    /// <summary>An element carrying xsi:type, for values whose declared type is a base type.</summary>
    public static XElement Typed(string name, string xsiType, params object?[] content) =>
        new(N(name), new XAttribute(Xsi + "type", xsiType), content);

    public static XElement Ref(string name, ManagedObjectReference reference) =>
        new(N(name), new XAttribute("type", reference.Type), reference.Value);

    public static XElement? OptRef(string name, ManagedObjectReference? reference) =>
        reference is null ? null : Ref(name, reference);

    public static ManagedObjectReference ReadRef(XElement element) =>
        new((string?)element.Attribute("type") ?? throw new FormatException($"<{element.Name.LocalName}> has no type attribute"), element.Value.Trim());

    /// <summary>The local part of an element's xsi:type (prefix stripped), or null.</summary>
    public static string? XsiType(XElement element)
    {
        var attribute = element.Attributes().FirstOrDefault(a => a.Name.LocalName == "type" && a.Name.Namespace == Xsi);
        if (attribute is null)
        {
            return null;
        }
        int colon = attribute.Value.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? attribute.Value : attribute.Value[(colon + 1)..];
    }

    public static XElement? Child(XElement? parent, string name) => parent?.Element(N(name));

    public static IEnumerable<XElement> Children(XElement? parent, string name) =>
        parent is null ? [] : parent.Elements(N(name));

    public static string? Text(XElement? parent, string name) => Child(parent, name)?.Value;

    public static int? Int(XElement? parent, string name) =>
        Child(parent, name) is { } e ? int.Parse(e.Value, CultureInfo.InvariantCulture) : null;

    public static long? Long(XElement? parent, string name) =>
        Child(parent, name) is { } e ? long.Parse(e.Value, CultureInfo.InvariantCulture) : null;

    public static bool? Bool(XElement? parent, string name) =>
        Child(parent, name) is { } e ? e.Value.Trim() is "true" or "1" : null;
}
