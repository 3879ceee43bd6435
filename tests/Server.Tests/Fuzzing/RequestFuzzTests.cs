using System.Globalization;
using Xunit.Abstractions;

namespace HiPO.Server.Tests.Fuzzing;

/// <summary>
/// Thousands of generated and mutated requests against the real server: every answer is a 4xx with OpenAI's full error
/// body or a valid 200, never a 5xx or a dropped connection, and the server stays ready with no slot or KV cell leaked.
/// The seed is fixed so that CI runs the same cases every time; <c>HIPO_FUZZ_SEED=random</c> (or a number) and
/// <c>HIPO_FUZZ_CASES</c> explore further by hand, and the seed is printed so a failure can be replayed.
/// </summary>
public sealed class RequestFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20251201;
    private const int DefaultCases = 3000;
    private const int Clients = 4;

    [Fact]
    public async Task Mutated_requests_get_a_4xx_with_an_error_body_or_a_valid_200_and_the_server_stays_healthy()
    {
        var seed = Environment.GetEnvironmentVariable("HIPO_FUZZ_SEED") switch
        {
            null or "" => DefaultSeed,
            "random" => Random.Shared.Next(),
            var given => int.Parse(given, CultureInfo.InvariantCulture),
        };
        var count = int.TryParse(Environment.GetEnvironmentVariable("HIPO_FUZZ_CASES"), out var n) ? n : DefaultCases;
        output.WriteLine($"HIPO_FUZZ_SEED={seed} HIPO_FUZZ_CASES={count}");

        await using var server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.ThinkOff), "--Model:ContextSize=2048");
        var openApi = JsonNode.Parse(await server.Http.GetStringAsync("/openapi/v1.json"))!.AsObject();
        var fuzzer = new RequestFuzzer(openApi, new Random(seed));
        Assert.Equal(["/detokenize", "/tokenize", "/v1/chat/completions", "/v1/completions", "/v1/responses"], fuzzer.Paths.Order(StringComparer.Ordinal));
        var cases = Enumerable.Range(0, count).Select(fuzzer.Next).ToList();

        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < cases.Count; i = Interlocked.Increment(ref next))
            {
                var (status, failure) = await SendAsync(server.Http, cases[i]);
                lock (failures)
                {
                    statuses[status] = statuses.GetValueOrDefault(status) + 1;
                    if (failure is not null)
                        failures.Add($"case {cases[i].Index} ({cases[i].Recipe}) {cases[i].Path}: {failure}\n  body: {Preview(cases[i].Body)}");
                }
                if (i % 500 == 0)
                    Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
            }
        }));

        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}")));
        Assert.True(failures.Count == 0, $"{failures.Count} of {count} cases failed (HIPO_FUZZ_SEED={seed}):\n" + string.Join("\n", failures.Take(15)));
        // Both kinds of answer were exercised, so the fuzzer reaches generation as well as validation.
        Assert.True(statuses.GetValueOrDefault(200) > count / 20, "Too few requests were accepted to exercise generation.");
        Assert.True(statuses.Where(s => s.Key is >= 400 and < 500).Sum(s => s.Value) > count / 2, "Too few requests were refused.");

        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/health/ready")).StatusCode);
        var idle = await server.WaitForAsync(s => s.RunningRequests == 0 && s.QueuedRequests == 0);
        Assert.Equal(idle.KvCellsCached, idle.KvCellsUsed);
        var after = await server.PostChatAsync(new { max_tokens = 40, messages = new[] { new { role = "user", content = "Capital of France?" } } });
        Assert.Equal(ScriptedModels.ThinkOff.Answer, (string?)(await Sse.JsonAsync(after))["choices"]![0]!["message"]!["content"]);
    }

    /// <summary>The status, and what is wrong with the answer (null when it is a proper 4xx or 200).</summary>
    private static async Task<(int Status, string? Failure)> SendAsync(HttpClient http, FuzzCase fuzz)
    {
        try
        {
            using var content = new ByteArrayContent(fuzz.Body);
            content.Headers.ContentType = new("application/json");
            using var response = await http.PostAsync(fuzz.Path, content);
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            if (status is >= 400 and < 500)
                return (status, ErrorFailure(text));
            if (status != 200)
                return (status, $"status {status}: {Preview(text)}");
            var streamed = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
            return (status, fuzz.Path == "/v1/responses"
                ? streamed ? ResponseStreamFailure(text) : ResponseFailure(text)
                : streamed ? StreamFailure(text) : JsonFailure(text));
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException)
        {
            return (0, $"no answer: {e.GetType().Name}: {e.Message}");
        }
    }

    private static string? ErrorFailure(string text)
    {
        try
        {
            ErrorBody.Parse(text);
            return null;
        }
        catch (Exception e) when (e is JsonException or Xunit.Sdk.XunitException)
        {
            return $"4xx without OpenAI's error body: {Preview(text)}";
        }
    }

    private static string? JsonFailure(string text)
    {
        try
        {
            var json = JsonNode.Parse(text) as JsonObject;
            return json is null || json.ContainsKey("error") || json["choices"] is null && json["tokens"] is null && json["content"] is null
                ? $"200 with an unexpected body: {Preview(text)}"
                : null;
        }
        catch (JsonException)
        {
            return $"200 with a body that is not JSON: {Preview(text)}";
        }
    }

    /// <summary>A whole Responses API object that finished (completed, or incomplete at its token limit).</summary>
    private static string? ResponseFailure(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject { } response && (string?)response["object"] == "response"
                && (string?)response["status"] is "completed" or "incomplete" && response["output"] is JsonArray
                ? null
                : $"200 with an unexpected response: {Preview(text)}";
        }
        catch (JsonException)
        {
            return $"200 with a body that is not JSON: {Preview(text)}";
        }
    }

    /// <summary>A Responses API stream: JSON events in order, ending with response.completed or response.incomplete.</summary>
    private static string? ResponseStreamFailure(string text)
    {
        var events = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        string? last = null;
        foreach (var data in events)
        {
            try
            {
                if (JsonNode.Parse(data) is not JsonObject streamed || streamed["type"] is null)
                    return $"stream event without a type: {Preview(data)}";
                last = (string?)streamed["type"];
            }
            catch (JsonException)
            {
                return $"stream event that is not JSON: {Preview(data)}";
            }
        }
        return last is "response.completed" or "response.incomplete" ? null : $"stream ending with {last ?? "nothing"}: {Preview(text)}";
    }

    private static string? StreamFailure(string text)
    {
        var events = text.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        if (events.Count == 0 || events[^1] != "[DONE]")
            return $"stream without [DONE]: {Preview(text)}";
        foreach (var data in events.SkipLast(1))
        {
            try
            {
                if (JsonNode.Parse(data) is not JsonObject chunk || chunk.ContainsKey("error"))
                    return $"stream with a bad or error event: {Preview(data)}";
            }
            catch (JsonException)
            {
                return $"stream event that is not JSON: {Preview(data)}";
            }
        }
        return null;
    }

    private static string Preview(byte[] body) => Preview(System.Text.Encoding.UTF8.GetString(body));

    private static string Preview(string text) => text.Length <= 400 ? text : text[..400] + $"... ({text.Length} chars)";
}
