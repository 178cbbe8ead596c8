using System.Globalization;

namespace Vic.Machine.Vsphere;

/// <summary>Parsing of count limits as the local target takes them ("unlimited" only where a limit can be lifted).</summary>
internal static class Limits
{
    public static int? Count(string text, string option, bool allowUnlimited)
    {
        if (allowUnlimited && text == "unlimited")
            return null;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1
            ? n
            : throw new MachineException($"invalid {option} \"{text}\": give a whole number of at least 1{(allowUnlimited ? ", or unlimited" : "")}", ExitCodes.InvalidArgument);
    }

    public static long? Size(string text, string option) => text == "unlimited" ? null : ByteSize.Parse(text, option);
}
