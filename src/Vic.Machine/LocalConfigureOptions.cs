using System.CommandLine;
using System.Security.Cryptography;

namespace Vic.Machine;

/// <summary>
/// What <c>vic-machine configure</c> changes on a local VCH beyond <see cref="SettingsOptions"/>: registries, DNS servers,
/// volume stores, container networks and vicadmin's port. Each set is replaced by what is given (an empty value,
/// e.g. <c>--registry-mirror ""</c>, clears it) and left alone when its flag is absent. <see cref="Apply"/> checks
/// everything and changes nothing: the files it would write come back in <see cref="LocalChange"/>.
/// </summary>
internal sealed class LocalConfigureOptions(Option<string[]> containerNetwork, Option<string[]> dnsServers)
{
    public RegistryFlags Registries { get; } = new();
    public NetworkFlags Networks { get; } = new(containerNetwork);

    public Option<string[]> VolumeStores { get; } = new("--volume-store")
    {
        Description = "Volume stores as <directory>:<label> (repeatable): every existing store again, plus the new ones; stores cannot be removed or moved",
    };

    public Option<int?> AdminPort { get; } = new("--admin-port") { Description = "HTTPS port of vicadmin (0 picks a free one); turns vicadmin on if it was off" };
    public Option<bool> NoAdmin { get; } = new("--no-admin") { Description = "Stop serving vicadmin" };

    public IEnumerable<Option> LocalOnly => [.. Registries.All, VolumeStores, AdminPort, NoAdmin, .. Networks.LocalOnly];

    public void AddTo(Command command)
    {
        foreach (var option in LocalOnly)
            command.Options.Add(option);
    }

    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    /// <summary>True when the values are the one empty string that clears a set; an empty value among others is refused.</summary>
    internal static bool Clears(IReadOnlyList<string> values, string flag)
    {
        if (values.Count == 1 && values[0].Length == 0)
            return true;
        if (values.Any(v => v.Length == 0))
            throw new MachineException($"{flag} \"\" clears the set and goes alone", ExitCodes.InvalidArgument);
        return false;
    }

    public LocalChange Apply(ParseResult parse, VchRecord current, VchRecord before)
    {
        var vch = current;
        var caCopies = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (Given(parse, Registries.Insecure))
            vch = vch with { InsecureRegistries = RegistryFlags.ValidateRegistries(Values(parse, Registries.Insecure), "--insecure-registry") };
        if (Given(parse, Registries.Whitelist))
            vch = vch with { WhitelistRegistries = RegistryFlags.ValidateRegistries(Values(parse, Registries.Whitelist), "--whitelist-registry") };
        if (Given(parse, Registries.Mirror))
            vch = vch with { RegistryMirrors = RegistryFlags.ValidateMirrors(Values(parse, Registries.Mirror)) };
        if (Given(parse, Registries.HttpProxy))
            vch = vch with { HttpProxy = RegistryFlags.ValidateProxy(parse.GetValue(Registries.HttpProxy), "--http-proxy") };
        if (Given(parse, Registries.HttpsProxy))
            vch = vch with { HttpsProxy = RegistryFlags.ValidateProxy(parse.GetValue(Registries.HttpsProxy), "--https-proxy") };
        if (Given(parse, Registries.NoProxy))
            vch = vch with { NoProxy = RegistryFlags.ValidateNoProxy(Values(parse, Registries.NoProxy)) };
        if (Given(parse, Registries.Ca))
        {
            // Copies are named by their contents: a new set never overwrites a file the running daemon reads, and the
            // same certificate given again is the same copy.
            foreach (string file in Values(parse, Registries.Ca))
            {
                byte[] pem = File.ReadAllBytes(RegistryFlags.ValidateCa(file));
                string copy = Path.Combine(vch.Directory, RegistryFlags.CaDirectory, Convert.ToHexStringLower(SHA256.HashData(pem))[..16] + ".pem");
                caCopies[copy] = pem;
            }
            vch = vch with { RegistryCaFiles = [.. caCopies.Keys] };
        }
        if (Given(parse, dnsServers))
            vch = vch with { DnsServers = CreateCommand.ValidateDnsServers(Values(parse, dnsServers)) };
        if (Given(parse, VolumeStores))
            vch = vch with { VolumeStores = ChangeVolumeStores(before, parse.GetValue(VolumeStores) ?? []) };
        vch = Networks.Apply(parse, vch, onlyGiven: true);

        if (Given(parse, AdminPort) && Given(parse, NoAdmin))
            throw new MachineException("--admin-port and --no-admin contradict each other: choose one", ExitCodes.InvalidArgument);
        if (Given(parse, NoAdmin))
            vch = vch with { AdminPort = null };
        else if (parse.GetValue(AdminPort) is int port)
            vch = vch with { AdminPort = port };

        var removed = before.ContainerNetworks.Select(NetworkFlags.NameOf).Except(vch.ContainerNetworks.Select(NetworkFlags.NameOf), StringComparer.Ordinal).ToList();
        return new LocalChange(vch, caCopies, removed, Given(parse, AdminPort));
    }

    private static List<string> Values(ParseResult parse, Option<string[]> option)
    {
        var values = parse.GetValue(option) ?? [];
        return Clears(values, option.Name) ? [] : [.. values];
    }

    /// <summary>
    /// The new set of volume stores: every existing one (the implicit "default" in the datastore included) with its
    /// path unchanged, plus new ones. A store holds volumes that containers name by store and path, so it can be neither
    /// dropped nor moved by configure (as VIC refused it).
    /// </summary>
    internal static List<string> ChangeVolumeStores(VchRecord before, IReadOnlyList<string> given)
    {
        var wanted = CreateCommand.ValidateVolumeStores(given);
        var byLabel = wanted.ToDictionary(Label, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (string existing in before.EffectiveVolumeStores)
        {
            string label = Label(existing);
            if (!byLabel.TryGetValue(label, out var now))
                problems.Add($"volume store \"{label}\" ({PathOf(existing)}) is missing: stores can be added but not removed; give it again with --volume-store {existing}");
            else if (PathOf(now) != PathOf(existing))
                problems.Add($"volume store \"{label}\" is at {PathOf(existing)} and cannot be moved to {PathOf(now)}: its volumes stay where they are; give a new label for a new store");
        }
        foreach (var group in wanted.GroupBy(PathOf).Where(g => g.Count() > 1))
            problems.Add($"volume stores {string.Join(" and ", group.Select(Label))} share the directory {group.Key}: each store needs its own");
        if (problems.Count > 0)
            throw new MachineException("--volume-store: " + string.Join("\n  ", problems), ExitCodes.InvalidArgument);
        return before.VolumeStores.Count == 0 && wanted.Count == 1 ? [] : wanted;
    }

    private static string Label(string store) => store[(store.LastIndexOf(':') + 1)..];

    private static string PathOf(string store) => Path.TrimEndingDirectorySeparator(store[..store.LastIndexOf(':')]);
}

/// <summary>
/// A checked local configure: the new record, the registry CA copies to write (path → contents), container networks it
/// drops (refused while a container uses one), and whether --admin-port was given.
/// </summary>
internal sealed record LocalChange(VchRecord After, IReadOnlyDictionary<string, byte[]> CaCopies, IReadOnlyList<string> RemovedNetworks, bool AdminPortGiven);
