using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vic.Engine.Models;
using Vic.ImageC;
using Vic.PortLayer;

namespace Vic.Engine.Http;

/// <summary>
/// Registry credentials as clients send them: X-Registry-Auth (base64url JSON of an AuthConfig; the CLI sends it
/// even when empty) on pull and push, or a JSON AuthConfig body (docker login, and old clients' push).
/// </summary>
internal static class RegistryAuth
{
    public const string Header = "X-Registry-Auth";

    /// <summary>
    /// The credentials in X-Registry-Auth. As dockerd does, an undecodable header counts as no credentials rather than
    /// an error (clients have sent odd values for years). Null when the header is absent.
    /// </summary>
    public static RegistryCredentials? FromHeader(HttpRequest request)
    {
        string? encoded = request.Headers[Header];
        if (encoded is null)
            return null;
        try
        {
            byte[] json = Base64Url(encoded.Trim());
            return json.Length == 0 ? RegistryCredentials.Anonymous : ToCredentials(JsonSerializer.Deserialize(json, EngineJson.Default.AuthConfig));
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return RegistryCredentials.Anonymous;
        }
    }

    /// <summary>A JSON AuthConfig body; malformed JSON is a 400 with dockerd's wording.</summary>
    public static async Task<AuthConfig> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, EngineJson.Default.AuthConfig, cancellationToken) ?? new AuthConfig();
        }
        catch (JsonException e)
        {
            throw new InvalidArgumentException($"invalid X-Registry-Auth header: {(e.Message.Contains("empty", StringComparison.OrdinalIgnoreCase) ? "EOF" : e.Message)}");
        }
    }

    /// <summary>Username and password, or the legacy "auth" member (base64 of "user:password"), or an identity token.</summary>
    public static RegistryCredentials ToCredentials(AuthConfig? config)
    {
        if (config is null)
            return RegistryCredentials.Anonymous;
        string username = config.Username ?? "";
        string password = config.Password ?? "";
        if (username.Length == 0 && password.Length == 0 && !string.IsNullOrEmpty(config.Auth))
        {
            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(config.Auth));
            }
            catch (FormatException)
            {
                throw new InvalidArgumentException("invalid auth configuration: the auth field is not base64");
            }
            int colon = decoded.IndexOf(':');
            if (colon < 0)
                throw new InvalidArgumentException("invalid auth configuration: the auth field is not user:password");
            (username, password) = (decoded[..colon], decoded[(colon + 1)..]);
        }
        return new RegistryCredentials { Username = username, Password = password, IdentityToken = config.IdentityToken ?? "" };
    }

    /// <summary>base64url as the CLI writes it (padded), tolerating standard base64 and missing padding.</summary>
    private static byte[] Base64Url(string text)
    {
        string standard = text.Replace('-', '+').Replace('_', '/');
        int pad = standard.Length % 4;
        if (pad == 1)
            throw new FormatException("bad base64 length");
        if (pad > 0)
            standard += new string('=', 4 - pad);
        return Convert.FromBase64String(standard);
    }
}
