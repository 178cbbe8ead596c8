using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Vic.PortLayer;

namespace Vic.Engine.Containers;

/// <summary>Container names: dockerd's validation rule and its "adjective_surname" style of random names.</summary>
internal static partial class ContainerNames
{
    [GeneratedRegex("^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex Valid();

    /// <summary>Returns the name without a leading '/'; throws InvalidArgument with dockerd's message.</summary>
    public static string Validate(string name)
    {
        if (!Valid().IsMatch(name))
            throw new InvalidArgumentException($"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        return name.TrimStart('/');
    }

    public static string NameInUse(string name, string id) =>
        $"Conflict. The container name \"/{name}\" is already in use by container \"{id}\". You have to remove (or rename) that container to be able to reuse that name.";

    // Our own word lists (moods and pioneers of computing and physics), in the same spirit as dockerd's.
    private static readonly string[] Adjectives =
    [
        "agile", "amazing", "bold", "brave", "bright", "calm", "clever", "cool", "crisp", "curious", "daring",
        "eager", "elegant", "epic", "fervent", "festive", "focused", "friendly", "gallant", "gentle", "happy",
        "honest", "humble", "jolly", "keen", "kind", "lucid", "lucky", "merry", "mighty", "modest", "nimble",
        "noble", "patient", "peaceful", "placid", "polite", "proud", "quick", "quiet", "rapid", "serene",
        "sharp", "shiny", "steady", "sunny", "swift", "tender", "tidy", "vivid", "warm", "wise", "witty", "zen",
    ];

    private static readonly string[] Surnames =
    [
        "babbage", "backus", "bardeen", "bohr", "boole", "brattain", "cerf", "church", "codd", "curie",
        "dijkstra", "einstein", "engelbart", "euler", "faraday", "fermi", "feynman", "gauss", "goldberg",
        "hamilton", "hopper", "hoare", "kahn", "karp", "knuth", "lamport", "liskov", "lovelace", "maxwell",
        "mccarthy", "meitner", "minsky", "newton", "noether", "pascal", "perlman", "planck", "ritchie",
        "shannon", "sutherland", "thompson", "torvalds", "turing", "vonneumann", "wilkes", "wirth", "yonath",
    ];

    /// <summary>A random candidate; the caller retries while it is taken.</summary>
    public static string Random(int attempt)
    {
        string name = $"{Adjectives[RandomNumberGenerator.GetInt32(Adjectives.Length)]}_{Surnames[RandomNumberGenerator.GetInt32(Surnames.Length)]}";
        // After a few collisions add a digit, as dockerd does, so a busy VCH still finds a free name quickly.
        return attempt > 3 ? name + RandomNumberGenerator.GetInt32(10) : name;
    }
}
