using System.CommandLine;

namespace Vic.Machine.Vsphere;

/// <summary>
/// The options that point a command at a vCenter or ESXi host instead of this machine: <c>--target</c>,
/// <c>--user</c>, <c>--password</c> (or VIC_VSPHERE_USER / VIC_VSPHERE_PASSWORD) and <c>--thumbprint</c>.
/// Each command gets its own instances (an option belongs to one command).
/// </summary>
internal sealed class TargetOptions
{
    public const string UserVariable = "VIC_VSPHERE_USER", PasswordVariable = "VIC_VSPHERE_PASSWORD";

    public Option<string?> Target { get; } = new("--target", "-t")
    {
        Description = "vCenter or ESXi to manage VCHs on: https://host[/datacenter] (without it, VCHs on this machine)",
    };

    public Option<string?> User { get; } = new("--user", "-u") { Description = "vSphere user (env " + UserVariable + ")" };

    public Option<string?> Password { get; } = new("--password", "-p")
    {
        Description = "vSphere password (env " + PasswordVariable + ", which keeps it out of the process list)",
    };

    public Option<string?> Thumbprint { get; } = new("--thumbprint")
    {
        Description = "SHA-1 (or SHA-256) thumbprint of the server's certificate; without it the certificate must be trusted by the system",
    };

    public void AddTo(Command command)
    {
        foreach (var option in new[] { Target, User, Password, Thumbprint })
            command.Options.Add(option);
    }

    public bool Given(ParseResult parse) => parse.GetValue(Target) is not null;

    /// <summary>The target as given, checked, with credentials from the options, the URL or the environment.</summary>
    public VsphereTarget Read(ParseResult parse) =>
        VsphereTarget.Parse(parse.GetValue(Target)!, parse.GetValue(User), parse.GetValue(Password), parse.GetValue(Thumbprint));

    /// <summary>Local-target options given together with <c>--target</c>: refused rather than silently ignored.</summary>
    public static void RefuseLocalOnly(ParseResult parse, params Option[] localOnly)
    {
        var given = localOnly.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new MachineException($"{string.Join(", ", given)}: only for VCHs on this machine, not with --target", ExitCodes.InvalidArgument);
    }

    /// <summary>vSphere options given without <c>--target</c>.</summary>
    public static void RefuseVsphereOnly(ParseResult parse, params Option[] vsphereOnly)
    {
        var given = vsphereOnly.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
        if (given.Count > 0)
            throw new MachineException($"{string.Join(", ", given)}: only with --target (a vCenter or ESXi host)", ExitCodes.InvalidArgument);
    }
}
