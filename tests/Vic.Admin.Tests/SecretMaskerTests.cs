using Vic.Admin.Bundle;

namespace Vic.Admin.Tests;

public sealed class SecretMaskerTests
{
    private static readonly SecretMasker Masker = new(["known-secret-value-123"]);

    [Theory]
    [InlineData("{\"Password\": \"p@ss w0rd\"}", "{\"Password\": \"********\"}")]
    [InlineData("{\"registry_token\":\"abc\\\"def\"}", "{\"registry_token\":\"********\"}")]
    [InlineData("{\"ApiKey\":\"k\",\"Name\":\"n\"}", "{\"ApiKey\":\"********\",\"Name\":\"n\"}")]
    [InlineData("{\"TokenFile\":\"/var/lib/vic/x/admin-token\"}", "{\"TokenFile\":\"/var/lib/vic/x/admin-token\"}")]
    [InlineData("{\"TlsServerKeySource\":\"/etc/key.pem\"}", "{\"TlsServerKeySource\":\"/etc/key.pem\"}")]
    [InlineData("vic-vch --registry-password hunter2 --name x", "vic-vch --registry-password ******** --name x")]
    [InlineData("vic-vch --api-token=abc123 --debug", "vic-vch --api-token=******** --debug")]
    [InlineData("vic-vch --admin-token-file /x/admin-token", "vic-vch --admin-token-file /x/admin-token")]
    [InlineData("env PASSWORD=hunter2 MODE=prod", "env PASSWORD=******** MODE=prod")]
    [InlineData("db_password: hunter2", "db_password: ********")]
    [InlineData("pull https://bob:pa55@reg.local:5000/v2/", "pull https://bob:********@reg.local:5000/v2/")]
    [InlineData("Authorization: Basic YWxpY2U6c2VjcmV0", "Authorization: Basic ********")]
    [InlineData("X-Registry-Auth: eyJ1c2VybmFtZSI6ImEifQ==", "X-Registry-Auth: ********")]
    [InlineData("the token is known-secret-value-123 here", "the token is ******** here")]
    [InlineData("nothing to hide: name=web image=busybox", "nothing to hide: name=web image=busybox")]
    public void Masks_secrets_and_leaves_the_rest(string input, string expected) => Assert.Equal(expected, Masker.Apply(input));

    [Fact]
    public void Removes_pem_private_keys_of_every_kind_but_keeps_certificates()
    {
        string text = "cert:\n-----BEGIN CERTIFICATE-----\nMIIBcert\n-----END CERTIFICATE-----\n"
            + "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIabc\n-----END EC PRIVATE KEY-----\n"
            + "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMG\n-----END PRIVATE KEY-----\nafter";
        string masked = Masker.Apply(text);
        Assert.DoesNotContain("MHcCAQEEIabc", masked, StringComparison.Ordinal);
        Assert.DoesNotContain("MIGHAgEAMBMG", masked, StringComparison.Ordinal);
        Assert.Contains("MIIBcert", masked, StringComparison.Ordinal);
        Assert.EndsWith("after", masked, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_cut_off_at_the_end_of_a_truncated_log_is_still_removed()
    {
        string masked = Masker.Apply("log\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA");
        Assert.Equal("log\n[private key removed]", masked);
    }
}
