namespace HiPO.Server.Tests.Security;

/// <summary>Where keys come from: comma-separated lists (as llama-server's --api-key), a key file, or nowhere (an open server).</summary>
public sealed class ApiKeySourcesTests
{
    [Fact]
    public async Task Keys_come_from_a_comma_separated_list_and_a_key_file()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "# production keys\n\n  sk-file-1  \n#sk-commented\nsk-file-2\n");
        try
        {
            await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
                "--api-key", "sk-list-1, sk-list-2", $"--Security:ApiKeyFile={file}");

            foreach (var key in new[] { "sk-list-1", "sk-list-2", "sk-file-1", "sk-file-2" })
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, key));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(server, "sk-commented"));
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(server, "sk-list-1, sk-list-2"));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Protected_metrics_need_a_key()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
            "--Security:ApiKeys:0=sk-metrics", "--Security:ProtectMetrics=true");

        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Http.GetAsync("/metrics")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-metrics");
        Assert.Equal(HttpStatusCode.OK, (await server.Http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Without_keys_the_server_is_open()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));

        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(server, "any-key-at-all"));
    }

    private static async Task<HttpStatusCode> StatusAsync(RunningServer server, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + key);
        return (await server.Http.SendAsync(request)).StatusCode;
    }
}
