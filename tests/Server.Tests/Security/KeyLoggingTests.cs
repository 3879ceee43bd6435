namespace HiPO.Server.Tests.Security;

/// <summary>Keys never reach the logs, even with every logger (ASP.NET Core's included) at Verbose.</summary>
/// <remarks>
/// Runs alone: the server's Serilog setup writes through the process-wide static logger, so a server started by a
/// parallel test would take this server's request logs away from the file under test.
/// </remarks>
[Collection(nameof(KeyLoggingTests))]
public sealed class KeyLoggingTests
{
    private const string Right = "sk-right-5f0c27a9e1";
    private const string Wrong = "sk-wrong-8b4d61c3f2";

    [Fact]
    public async Task Keys_are_absent_from_verbose_logs_of_accepted_refused_and_rate_limited_requests()
    {
        var folder = Directory.CreateTempSubdirectory("hipo-key-log-");
        var log = Path.Combine(folder.FullName, "server.log");
        await using (var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff),
            $"--Security:ApiKeys:0={Right}", "--Security:RateLimit:RequestsPerMinute=3",
            "--Serilog:MinimumLevel:Default=Verbose", "--Serilog:MinimumLevel:Override:Microsoft.AspNetCore=Verbose",
            "--Serilog:Using:0=Serilog.Sinks.File", "--Serilog:WriteTo:0:Name=File", $"--Serilog:WriteTo:0:Args:path={log}"))
        {
            var chat = new { messages = new[] { new { role = "user", content = "Capital of France?" } } };
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, Right, JsonContent.Create(chat))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(server, Wrong, JsonContent.Create(chat))).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(server, null, JsonContent.Create(chat))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, Right, JsonContent.Create(chat))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await SendAsync(server, Right, JsonContent.Create(chat))).StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await SendAsync(server, Right, JsonContent.Create(chat))).StatusCode);
        }

        var text = await File.ReadAllTextAsync(log);
        folder.Delete(recursive: true);
        // The capture really holds verbose framework output and this feature's own debug lines.
        Assert.Contains("Request starting", text);
        Assert.Contains("incorrect API key", text);
        Assert.Contains("no API key", text);
        Assert.DoesNotContain(Right, text);
        Assert.DoesNotContain(Wrong, text);
    }

    private static Task<HttpResponseMessage> SendAsync(RunningServer server, string? key, HttpContent body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = body };
        if (key is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return server.Http.SendAsync(request);
    }
}

[CollectionDefinition(nameof(KeyLoggingTests), DisableParallelization = true)]
public sealed class KeyLoggingCollection;
