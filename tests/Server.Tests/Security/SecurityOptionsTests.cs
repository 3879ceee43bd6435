using Microsoft.Extensions.Options;

namespace HiPO.Server.Tests.Security;

/// <summary>Security settings that would leave the server open or broken by mistake stop it at startup, without quoting a key.</summary>
public sealed class SecurityOptionsTests
{
    [Theory]
    [InlineData("--Security:ApiKeys:0=sk-secret-1,,sk-secret-2", "Security:ApiKeys:0 holds an empty key")]
    [InlineData("--Security:ApiKeyFile=/no/such/keys.txt", "cannot be read")]
    [InlineData("--Security:RateLimit:RequestsPerMinute=-1", "RequestsPerMinute")]
    [InlineData("--Security:RateLimit:TokensPerMinute=-1", "TokensPerMinute")]
    [InlineData("--Security:Cors:AllowedOrigins:0=https://app.example.com/", "is not an origin")]
    [InlineData("--Security:Cors:AllowedOrigins:0=app.example.com", "is not an origin")]
    public async Task A_bad_setting_stops_startup(string setting, string reason)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), setting));

        Assert.Contains(reason, failure.Message);
        Assert.DoesNotContain("sk-secret", failure.Message);
    }

    [Fact]
    public async Task A_key_file_without_keys_stops_startup()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "# no keys yet\n\n");
        try
        {
            var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
                RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), $"--Security:ApiKeyFile={file}"));

            Assert.Contains("holds no key", failure.Message);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
