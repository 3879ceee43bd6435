using HiPO.Server.Tests.Deploy;

namespace HiPO.Server.Tests.Conformance;

/// <summary>
/// Every script in examples/curl runs with bash against the real server (the demo model, API keys on), and what it
/// prints must show its feature: a new script is picked up by itself and fails until it has an expectation here.
/// </summary>
public sealed class CurlExamplesTests(CurlExamplesTests.DemoServer demo) : IClassFixture<CurlExamplesTests.DemoServer>
{
    private const string ApiKey = "curl-examples-key";

    private static readonly string Folder = DeployFiles.PathOf("examples/curl");

    public static TheoryData<string> Scripts => new(Directory.EnumerateFiles(Folder, "*.sh").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal));

    /// <summary>What each script's output must show, keyed by file name.</summary>
    private static readonly Dictionary<string, Action<string[]>> Expectations = new()
    {
        ["chat.sh"] = lines =>
        {
            var message = Message(Single(lines));
            Assert.NotEmpty((string)message["content"]!);
            Assert.Contains((string?)message["think_mode"], new[] { "on", "off" });
            Assert.Equal("model", (string?)message["think_mode_source"]);
        },
        ["stream.sh"] = lines =>
        {
            var events = lines.Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l["data: ".Length..]).ToList();
            Assert.Equal("[DONE]", events[^1]);
            var chunks = events.SkipLast(1).Select(e => JsonNode.Parse(e)!).ToList();
            var deltas = chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => c!["delta"]).ToList();
            Assert.Single(deltas, d => d?["think_mode"] is not null);
            Assert.Contains(deltas, d => d?["content"] is not null);
            Assert.NotNull(chunks[^1]["usage"]);
        },
        ["think-off.sh"] = lines =>
        {
            var message = Message(Single(lines));
            Assert.Equal("off", (string?)message["think_mode"]);
            Assert.Equal("request", (string?)message["think_mode_source"]);
            Assert.Null(message["reasoning_content"]);
            Assert.NotEmpty((string)message["content"]!);
        },
        ["reasoning-budget.sh"] = lines =>
        {
            var message = Message(Single(lines));
            Assert.Equal("on", (string?)message["think_mode"]);
            Assert.True((bool?)message["reasoning_truncated"]);
            Assert.NotEmpty((string)message["content"]!);
        },
        ["json-schema.sh"] = lines =>
        {
            var answer = JsonDocument.Parse((string)Message(Single(lines))["content"]!).RootElement;
            Assert.Equal(JsonValueKind.String, answer.GetProperty("city").ValueKind);
            Assert.True(answer.GetProperty("is_capital").ValueKind is JsonValueKind.True or JsonValueKind.False);
        },
        ["tools.sh"] = lines =>
        {
            Assert.Equal(2, lines.Length);
            var call = JsonNode.Parse(lines[0])!["choices"]![0]!;
            Assert.Equal("tool_calls", (string?)call["finish_reason"]);
            Assert.Equal("get_weather", (string?)call["message"]!["tool_calls"]![0]!["function"]!["name"]);
            var answer = JsonNode.Parse(lines[1])!["choices"]![0]!;
            Assert.Equal("stop", (string?)answer["finish_reason"]);
            Assert.NotEmpty((string)answer["message"]!["content"]!);
        },
        ["logprobs.sh"] = lines =>
        {
            var entries = Single(lines)["choices"]![0]!["logprobs"]!["content"]!.AsArray();
            Assert.NotEmpty(entries);
            Assert.All(entries, e => Assert.Equal(3, e!["top_logprobs"]!.AsArray().Count));
        },
        ["completions.sh"] = lines =>
        {
            var completion = Single(lines);
            Assert.Equal("text_completion", (string?)completion["object"]);
            Assert.NotNull((string?)completion["choices"]![0]!["text"]);
        },
        ["tokenize.sh"] = lines =>
        {
            Assert.Equal(2, lines.Length);
            Assert.NotEmpty(JsonNode.Parse(lines[0])!["tokens"]!.AsArray());
            Assert.Equal("Hello, HiPO!", (string?)JsonNode.Parse(lines[1])!["content"]);
        },
        ["responses.sh"] = lines =>
        {
            Assert.Equal(2, lines.Length);
            var first = JsonNode.Parse(lines[0])!;
            Assert.Equal("response", (string?)first["object"]);
            Assert.Equal(["reasoning", "message"], first["output"]!.AsArray().Select(i => (string?)i!["type"]));
            Assert.NotEmpty((string)first["output"]![1]!["content"]![0]!["text"]!);
            Assert.Equal("on", (string?)first["think_mode"]);
            var second = JsonNode.Parse(lines[1])!;
            Assert.Equal((string?)first["id"], (string?)second["previous_response_id"]);
            Assert.True((int)second["usage"]!["input_tokens_details"]!["cached_tokens"]! > 0);
        },
        ["models.sh"] = lines => Assert.Equal(ScriptedModels.Demo.Name, (string?)Single(lines)["data"]![0]!["id"]),
        ["health.sh"] = lines => Assert.Equal("ok", (string?)Single(lines)["status"]),
        ["metrics.sh"] = lines =>
        {
            Assert.All(lines, l => Assert.Matches("^(# (HELP|TYPE) )?hipo_", l));
            Assert.Contains(lines, l => l.StartsWith("hipo_requests_running", StringComparison.Ordinal));
        },
    };

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task The_script_runs_and_shows_its_feature(string script)
    {
        Assert.True(Expectations.TryGetValue(script, out var expectation),
            $"examples/curl/{script} has no expectation: add what its output must show to {nameof(CurlExamplesTests)}.{nameof(Expectations)}.");
        var run = await ClientProcess.RunAsync("bash", [Path.Combine(Folder, script)], Folder,
            new Dictionary<string, string> { ["HIPO_URL"] = demo.Server.BaseAddress.ToString(), ["HIPO_API_KEY"] = ApiKey },
            TimeSpan.FromMinutes(1));

        Assert.True(run.ExitCode == 0, $"{script} failed (curl must be installed): {run}");
        var lines = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        try
        {
            expectation(lines);
        }
        catch (Exception e) when (e is Xunit.Sdk.XunitException or JsonException or NullReferenceException)
        {
            Assert.Fail($"{script} printed something else than expected ({e.Message}): {run}");
        }
    }

    [Theory]
    [MemberData(nameof(Scripts))]
    public void The_script_is_documented_and_configurable(string script)
    {
        var lines = File.ReadAllLines(Path.Combine(Folder, script));

        Assert.Equal("#!/usr/bin/env bash", lines[0]);
        Assert.StartsWith("# ", lines[1]);
        Assert.Contains("set -euo pipefail", lines);
        Assert.Contains(lines, l => l.Contains("${HIPO_URL:-http://localhost:8080}", StringComparison.Ordinal) && !l.StartsWith('#'));
        Assert.Contains(lines, l => l.Contains("HIPO_API_KEY", StringComparison.Ordinal) && !l.StartsWith('#'));
    }

    private static JsonNode Single(string[] lines) => JsonNode.Parse(Assert.Single(lines))!;

    private static JsonNode Message(JsonNode completion) => completion["choices"]![0]!["message"]!;

    /// <summary>One demo-model server, with API keys on, for all the scripts.</summary>
    public sealed class DemoServer : IAsyncLifetime
    {
        public RunningServer Server { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Server = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Demo), $"--Security:ApiKeys:0={ApiKey}");

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
