namespace Vic.ImageC;

/// <summary>
/// What a client authenticates to a registry with (the decoded X-Registry-Auth of a pull or push, or the body of
/// docker login): a user name and password, or an identity token (an OAuth2 refresh token a login returned).
/// Never stored by imagec; tokens obtained with them are cached in memory only.
/// </summary>
public sealed record RegistryCredentials
{
    public static readonly RegistryCredentials Anonymous = new();

    public string Username { get; init; } = "";
    public string Password { get; init; } = "";

    /// <summary>An OAuth2 refresh token; used instead of the password with token servers that issued it.</summary>
    public string IdentityToken { get; init; } = "";

    public bool HasPassword => Username.Length > 0 || Password.Length > 0;

    public bool IsAnonymous => !HasPassword && IdentityToken.Length == 0;

    /// <summary>Keeps secrets out of logs and exception messages.</summary>
    public override string ToString() => IsAnonymous ? "anonymous" : $"user \"{Username}\"";
}

/// <summary>The answer to docker login: the identity token is empty unless the registry's token server issued one.</summary>
public sealed record LoginResult(string Status, string IdentityToken);
