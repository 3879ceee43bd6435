using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry.Trace;

namespace HiPO.Server.Tests.Operations;

/// <summary>
/// Metrics, traces and the API description, as operators and developers use them. Meters and activity sources are
/// process-wide, so these run alone: another server's requests would add to the counts and spans read here.
/// </summary>
[Collection(nameof(ObservabilityTests))]
public sealed class ObservabilityTests
{
    private static JsonObject Ask(object? extra = null) => Body.Merge(new { messages = new[] { new { role = "user", content = "Capital of France?" } } }, extra);

    [Fact]
    public async Task Metrics_move_after_requests()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn));
        var before = await PrometheusText.ReadAsync(server);
        await server.PostChatAsync(Ask());
        await Sse.ReadChunksAsync(await Sse.PostStreamAsync(server.Http, Ask(new { stream = true })));
        await server.PostChatAsync(Ask(new { temperature = 9 }));
        var after = await PrometheusText.ReadAsync(server);

        Assert.Equal(2, after.Value("hipo_requests_total", ("status", "200")) - before.Value("hipo_requests_total", ("status", "200")));
        Assert.Equal(1, after.Value("hipo_requests_total", ("status", "400")) - before.Value("hipo_requests_total", ("status", "400")));
        Assert.Equal(2 * TestModels.AnswerClosedTokens(ScriptedModels.ThinkOn), after.Value("hipo_generated_tokens_total"));
        Assert.True(after.Value("hipo_prompt_tokens_total") > 0);
        Assert.Equal(2, after.Value("hipo_time_to_first_token_seconds_count"));
        Assert.Equal(2, after.Value("hipo_request_duration_seconds_count"));
        Assert.True(after.Value("hipo_inter_token_latency_seconds_count") > 20);
        Assert.Equal(2, after.Value("hipo_think_decisions_total", ("mode", "on"), ("source", "model")));
        Assert.Equal(1.0, after.Value("hipo_think_on_ratio", ("source", "model")));
        foreach (var gauge in new[] { "hipo_requests_running", "hipo_requests_waiting", "hipo_kv_cache_usage_ratio", "hipo_sequences_running" })
            Assert.True(after.Has(gauge), $"{gauge} is missing");
        Assert.InRange(after.Value("hipo_kv_cache_usage_ratio"), 0.0001, 1);
    }

    /// <summary>A client that hangs up mid-stream still leaves its request in the metrics: the tokens generated for it and its duration.</summary>
    [Fact]
    public async Task A_request_whose_client_left_mid_stream_is_still_counted()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Endless), "--Model:ContextSize=32768");
        using (var stream = await Sse.PostStreamAsync(server.Http, Ask(new { stream = true, max_tokens = 30000 })))
        {
            var chunks = 0;
            await foreach (var data in Sse.ReadEventsAsync(stream))
                if (++chunks == 20)
                    break;
        }
        await server.WaitForAsync(s => s.RunningRequests == 0);

        // The handler counts the request as it ends, just after the scheduler let it go.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var metrics = await PrometheusText.ReadAsync(server);
        while (metrics.Value("hipo_request_duration_seconds_count") == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            metrics = await PrometheusText.ReadAsync(server);
        }
        Assert.Equal(1, metrics.Value("hipo_request_duration_seconds_count"));
        // At least what the client read, and not the 30,000 asked for: the scheduler stopped when it noticed the client was gone.
        Assert.InRange(metrics.Value("hipo_generated_tokens_total"), 20, 29999);
    }

    [Fact]
    public async Task Each_request_trace_has_queue_prefill_and_decode_spans()
    {
        var spans = new List<Activity>();
        await using (var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOn), waitUntilReady: true,
            services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans))))
        {
            await server.PostChatAsync(Ask());
        }

        var request = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.DisplayName.Contains("/v1/chat/completions", StringComparison.Ordinal));
        var phases = spans.Where(s => s.ParentSpanId == request.SpanId).ToDictionary(s => s.OperationName);
        Assert.Equal(["hipo.decode", "hipo.prefill", "hipo.queue"], phases.Keys.Order());
        Assert.True(phases["hipo.queue"].StartTimeUtc <= phases["hipo.prefill"].StartTimeUtc);
        Assert.True(phases["hipo.prefill"].StartTimeUtc <= phases["hipo.decode"].StartTimeUtc);
        Assert.Equal(TestModels.AnswerClosedTokens(ScriptedModels.ThinkOn), phases["hipo.decode"].GetTagItem("hipo.completion_tokens"));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_hipo_fields_and_the_docs_page_serves()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff));
        var document = JsonNode.Parse(await server.Http.GetStringAsync("/openapi/v1.json"))!;
        var chat = document["paths"]!["/v1/chat/completions"]!["post"]!;

        var request = Resolve(document, chat["requestBody"]!["content"]!["application/json"]!["schema"]!)["properties"]!.AsObject();
        foreach (var field in new[] { "think_mode", "reasoning_effort", "chat_template_kwargs", "max_reasoning_tokens", "include_reasoning", "messages", "tools", "response_format" })
            Assert.True(request.ContainsKey(field), $"The request schema lacks {field}");
        var schemas = Objects(document).Where(o => o["properties"] is JsonObject).Select(o => o["properties"]!.AsObject()).ToList();
        Assert.Contains(schemas, p => new[] { "content", "reasoning_content", "think_mode", "think_mode_reason", "think_mode_source", "tool_calls" }.All(p.ContainsKey));
        Assert.Contains(schemas, p => new[] { "message", "type", "param", "code" }.All(p.ContainsKey));
        Assert.NotNull(chat["responses"]!["400"]);

        var docs = await server.Http.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        Assert.Contains("html", docs.Content.Headers.ContentType?.MediaType);
    }

    private static JsonNode Resolve(JsonNode document, JsonNode schema) =>
        schema["$ref"] is { } reference ? document["components"]!["schemas"]![((string)reference!).Split('/')[^1]]! : schema;

    private static IEnumerable<JsonObject> Objects(JsonNode? node) => node switch
    {
        JsonObject o => [o, .. o.SelectMany(p => Objects(p.Value))],
        JsonArray a => a.SelectMany(Objects),
        _ => [],
    };

    /// <summary>Prompts and replies reach the log only when Telemetry:LogContent asks (conversations are private), from every endpoint.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Content_is_logged_only_when_asked(bool logContent)
    {
        var log = Path.Combine(Directory.CreateTempSubdirectory("hipo-content-log-").FullName, "server.log");
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), $"--Telemetry:LogContent={logContent}",
            "--Serilog:MinimumLevel:Override:HiPO.Server.Telemetry=Information",
            "--Serilog:Using:0=Serilog.Sinks.File", "--Serilog:WriteTo:0:Name=File", $"--Serilog:WriteTo:0:Args:path={log}");
        const string prompt = "Capital of France?";
        (await server.PostChatAsync(Ask())).EnsureSuccessStatusCode();
        (await server.Http.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = 4 })).EnsureSuccessStatusCode();
        (await server.Http.PostAsJsonAsync("/v1/responses", new { input = prompt })).EnsureSuccessStatusCode();

        await using var lines = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        // An entry starts with its time stamp; a logged prompt spans lines.
        var entries = Regex.Split(await new StreamReader(lines).ReadToEndAsync(), @"\n(?=\d{4}-\d{2}-\d{2} )");
        Assert.Equal(3, entries.Count(e => e.Contains("] Completed ", StringComparison.Ordinal)));
        var content = entries.Where(e => e.Contains("] Content of ", StringComparison.Ordinal)).ToList();
        if (!logContent)
        {
            Assert.Empty(content);
            return;
        }
        Assert.Equal(3, content.Count);
        Assert.All(content, l => Assert.Contains(prompt, l));
        var answer = ScriptedModels.ThinkOff.Answer!;
        Assert.Contains(answer, content[0]);
        Assert.Contains(answer, content[2]);
    }

    [Fact]
    public async Task Responses_carry_timings_unless_turned_off()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), "--Telemetry:ResponseTimings=false");
        var json = await Sse.JsonAsync(await server.PostChatAsync(Ask()));
        Assert.Null(json["timings"]);
    }

    [Fact]
    public async Task Decisions_are_counted_in_the_metrics()
    {
        await using var server = await RunningServer.StartAsync(TestModels.PathOf(Api.ThinkModeControlTests.Forceable));
        await ChatResult.RequestAsync(server, Ask(), stream: false);
        await ChatResult.RequestAsync(server, Ask(new { think_mode = "on", max_reasoning_tokens = 1 }), stream: true);
        await ChatResult.RequestAsync(server, Ask(new { think_mode = "on" }), stream: false);

        var metrics = await PrometheusText.ReadAsync(server);
        Assert.Equal(1, metrics.Value("hipo_think_decisions_total", ("mode", "off"), ("source", "model")));
        Assert.Equal(2, metrics.Value("hipo_think_decisions_total", ("mode", "on"), ("source", "request")));
        Assert.Equal(1, metrics.Value("hipo_reasoning_budget_cutoffs_total", ("source", "request")));
        Assert.Equal(1.0, metrics.Value("hipo_think_on_ratio", ("source", "request")));
        Assert.True(metrics.Value("hipo_reasoning_tokens_total") > 0);
    }
}

[CollectionDefinition(nameof(ObservabilityTests), DisableParallelization = true)]
public sealed class ObservabilityCollection;
