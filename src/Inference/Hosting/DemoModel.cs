using HiPO.Gguf.Scripting;

namespace HiPO.Inference.Hosting;

/// <summary>
/// The scripted HiPO-format model behind <c>--demo</c>: generated on first use, no download needed. After "\n"
/// (auto mode) it writes a think-on reply that explains the demo; after <c>&lt;think&gt;</c> (a forced think-on
/// prefill) the same reasoning and answer; after <c>&lt;answer&gt;</c> (a forced think-off prefill) the same answer.
/// </summary>
public static class DemoModel
{
    public const string Id = "hipo-demo";

    /// <summary>The judge block's text.</summary>
    public const string Judge =
        "This is the HiPO.Server demo model. It always decides to think, so you can see both the reasoning and the answer.";

    /// <summary>The think block's text.</summary>
    public const string Reasoning =
        "The demo model is a tiny GGUF file that HiPO.Server writes itself. Every token it knows has exactly one successor, " +
        "so it replays this script at any temperature. It still runs through llama.cpp and the server's batching, " +
        "mode parsing and streaming, just like a real model.";

    /// <summary>The answer block's text.</summary>
    public const string Answer =
        "Hello from HiPO.Server! You are talking to the built-in demo model, which replays a fixed script. " +
        "To get real answers, start the server with a HiPO GGUF model such as HiPO-1.7B.";

    private const string EndOfTurn = "<|im_end|>";

    /// <summary>The model's script; the blocks' texts are surrounded by newlines, as in HiPO's format.</summary>
    public static ScriptedModelBuilder Script()
    {
        var words = new WordSplitter();
        return new ScriptedModelBuilder(Id)
            .Chain(after: "\n", [.. words.Split(Judge + "\n"), "</judge>", "<think_on>", "<think>"])
            .Chain(after: "<think>", [.. words.Split("\n" + Reasoning + "\n"), "</think>", "\n\n", "<answer>"])
            .Chain(after: "<answer>", [.. words.Split("\n" + Answer + "\n"), "</answer>", EndOfTurn]);
    }

    public static string EnsureWritten()
    {
        var path = Path.Combine(Path.GetTempPath(), "hipo-server", $"hipo-demo-{typeof(DemoModel).Assembly.ManifestModule.ModuleVersionId:N}.gguf");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + ".tmp" + Environment.ProcessId;
            Script().Write(temp);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }
}
