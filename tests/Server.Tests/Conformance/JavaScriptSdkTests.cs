using System.Text.RegularExpressions;
using HiPO.Server.Tests.Deploy;

namespace HiPO.Server.Tests.Conformance;

/// <summary>
/// The official OpenAI JavaScript SDK (npm <c>openai</c>, pinned in tests/js/package-lock.json) runs
/// tests/js/conformance.mjs against the real server: chat, streaming, think-mode forcing, reasoning budget,
/// tools, JSON schema, logprobs, n, usage and errors, as JavaScript users call them; tests/js/responses.mjs runs the
/// Responses API through the same SDK and through the Vercel AI SDK's default <c>openai(...)</c> provider, and
/// tests/js/frameworks.mjs drives chat with the Vercel AI SDK and LangChain JS and their zod schemas (tools, structured
/// output, streaming).
/// </summary>
public sealed partial class JavaScriptSdkTests
{
    private const string ApiKey = "js-conformance-key";

    [Fact]
    public async Task The_JavaScript_SDK_conformance_script_passes()
    {
        var folder = DeployFiles.PathOf("tests/js");
        // The packages and the scripts are package.json's own: its dependencies, and the files its test script runs.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "package.json")))!;
        string[] scripts = [.. ((string)manifest["scripts"]!["test"]!).Split(' ').Where(word => word.EndsWith(".mjs", StringComparison.Ordinal))];
        Assert.NotEmpty(scripts);
        foreach (var package in manifest["dependencies"]!.AsObject().Select(dependency => dependency.Key))
            Assert.True(File.Exists(Path.Combine(folder, "node_modules", package, "package.json")),
                $"The npm package {package} is not installed: run `npm ci` in {folder} (.ci/run does it when tests/js/package-lock.json exists).");
        await using var demo = await RunningServer.StartAsync(TestModels.PathOf(ScriptedModels.Demo), $"--Security:ApiKeys:0={ApiKey}");
        await using var toolCaller = await RunningServer.StartAsync(TestModels.PathOf(ConformanceModels.ToolCaller), $"--Security:ApiKeys:0={ApiKey}");

        var run = await ClientProcess.RunAsync("node", ["--test", "--test-reporter=spec", .. scripts], folder,
            new Dictionary<string, string>
            {
                ["HIPO_URL"] = demo.BaseAddress.ToString(),
                ["HIPO_TOOLS_URL"] = toolCaller.BaseAddress.ToString(),
                ["HIPO_API_KEY"] = ApiKey,
                ["NO_COLOR"] = "1",
            },
            TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, $"node --test {string.Join(' ', scripts)} failed: {run}");
        Assert.True(Summary(run, "pass") > 0, $"node ran no test: {run}");
        Assert.True(Summary(run, "skipped") == 0, $"Every test has its server here, yet some were skipped: {run}");
    }

    /// <summary>A count from node's closing summary ("ℹ pass 11").</summary>
    private static int Summary(ClientRun run, string name)
    {
        var match = SummaryLine().Matches(run.StandardOutput).LastOrDefault(m => m.Groups["name"].Value == name);
        return match is null ? -1 : int.Parse(match.Groups["count"].Value);
    }

    [GeneratedRegex(@"^\S*\s*(?<name>tests|pass|fail|skipped|cancelled|todo) (?<count>\d+)$", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
