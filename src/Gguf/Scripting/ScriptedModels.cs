using System.Text.RegularExpressions;

namespace HiPO.Gguf.Scripting;

/// <summary>
/// Ready-made scripted models for tests and the server's demo mode. Each property builds its small
/// script when read.
/// </summary>
/// <remarks>
/// A scripted token has one successor wherever it appears, and the byte token "\n" starts every
/// reply, so a whitespace-only token can separate two tags only once per model: "\n\n" sits between
/// <c>&lt;/judge&gt;</c> and <c>&lt;think_off&gt;</c> in think-off replies and between
/// <c>&lt;/think&gt;</c> and <c>&lt;answer&gt;</c> in think-on replies, and the other tags follow
/// each other directly. Newlines inside blocks are exactly as in HiPO's format.
/// </remarks>
public static partial class ScriptedModels
{
    private const string EndOfTurn = "<|im_end|>";

    /// <summary>A think-on reply: judge, <c>&lt;think_on&gt;</c>, reasoning, answer.</summary>
    public static ScriptedFixture ThinkOn => BuildThinkOn();

    /// <summary>A think-off reply: judge, <c>&lt;think_off&gt;</c>, answer.</summary>
    public static ScriptedFixture ThinkOff => BuildThinkOff();

    /// <summary>
    /// A think-off reply whose answer has CJK text in word tokens, a CJK character split across three
    /// byte tokens and an emoji split across four.
    /// </summary>
    public static ScriptedFixture MultiByte => BuildMultiByte();

    /// <summary>A think-off reply whose answer repeats "\nThis reply never ends." forever.</summary>
    public static ScriptedFixture Endless => BuildEndless();

    /// <summary>A reply that ignores HiPO's format: plain text, no tags.</summary>
    public static ScriptedFixture Malformed => BuildMalformed();

    /// <summary>
    /// The demo model: after "\n" (auto mode) a think-on reply that explains the demo; after
    /// <c>&lt;think&gt;</c> (a forced think-on prefill) the same reasoning and answer; after
    /// <c>&lt;answer&gt;</c> (a forced think-off prefill) the same answer.
    /// </summary>
    public static ScriptedFixture Demo => BuildDemo();

    private static ScriptedFixture BuildThinkOn()
    {
        const string judge = "Multiplying two-digit numbers by hand is easy to get wrong, so this query needs step-by-step reasoning.";
        const string reasoning = "17 × 23 = 17 × 20 + 17 × 3.\n17 × 20 = 340 and 17 × 3 = 51.\n340 + 51 = 391.";
        const string answer = "17 × 23 = 391.";
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("scripted-think-on").Chain(after: "\n",
        [
            .. words.Split(judge + "\n"), "</judge>", "<think_on>", "<think>",
            .. words.Split("\n" + reasoning + "\n"), "</think>", "\n\n", "<answer>",
            .. words.Split("\n" + answer + "\n"), "</answer>", EndOfTurn,
        ]);
        return new ScriptedFixture(builder, judge, reasoning, answer);
    }

    private static ScriptedFixture BuildThinkOff()
    {
        const string judge = "This is a simple factual question, so no reasoning is needed.";
        const string answer = "The capital of France is Paris.";
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("scripted-think-off").Chain(after: "\n",
        [
            .. words.Split(judge + "\n"), "</judge>", "\n\n", "<think_off>", "<answer>",
            .. words.Split("\n" + answer + "\n"), "</answer>", EndOfTurn,
        ]);
        return new ScriptedFixture(builder, judge, reasoning: null, answer);
    }

    private static ScriptedFixture BuildMultiByte()
    {
        const string judge = "A greeting needs no reasoning.";
        const string answer = "你好，世界！ Here is a smile: 😀 and goodbye.";
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("scripted-multibyte").Chain(after: "\n",
        [
            .. words.Split(judge + "\n"), "</judge>", "\n\n", "<think_off>", "<answer>",
            "\n你好，", .. ScriptPiece.BytesOf("世"), .. words.Split("界！ Here is a smile: "),
            .. ScriptPiece.BytesOf("😀"), .. words.Split(" and goodbye.\n"), "</answer>", EndOfTurn,
        ]);
        return new ScriptedFixture(builder, judge, reasoning: null, answer);
    }

    private static ScriptedFixture BuildEndless()
    {
        const string judge = "Repeating forever needs no reasoning.";
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("scripted-endless")
            .Chain(after: "\n", [.. words.Split(judge + "\n"), "</judge>", "\n\n", "<think_off>", "<answer>"])
            .Loop(after: "<answer>", words.Split("\nThis reply never ends."));
        return new ScriptedFixture(builder, judge, reasoning: null, answer: null);
    }

    private static ScriptedFixture BuildMalformed()
    {
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("scripted-malformed")
            .Chain(after: "\n", [.. words.Split("This reply ignores the HiPO format and has no tags at all."), EndOfTurn]);
        return new ScriptedFixture(builder, judge: null, reasoning: null, answer: null);
    }

    private static ScriptedFixture BuildDemo()
    {
        const string judge =
            "This is the HiPO.Server demo model. It always decides to think, so you can see both the reasoning and the answer.";
        const string reasoning =
            "The demo model is a tiny GGUF file that HiPO.Server writes itself. Every token it knows has exactly one successor, " +
            "so it replays this script at any temperature. It still runs through llama.cpp and the server's batching, " +
            "mode parsing and streaming, just like a real model.";
        const string answer =
            "Hello from HiPO.Server! You are talking to the built-in demo model, which replays a fixed script. " +
            "To get real answers, start the server with a HiPO GGUF model such as HiPO-1.7B.";
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("hipo-demo")
            .Chain(after: "\n", [.. words.Split(judge + "\n"), "</judge>", "<think_on>", "<think>"])
            .Chain(after: "<think>", [.. words.Split("\n" + reasoning + "\n"), "</think>", "\n\n", "<answer>"])
            .Chain(after: "<answer>", [.. words.Split("\n" + answer + "\n"), "</answer>", EndOfTurn]);
        return new ScriptedFixture(builder, judge, reasoning, answer);
    }

    /// <summary>
    /// Splits text into word pieces (each with its leading whitespace, the last with any trailing
    /// whitespace). A word already used in the model is joined with the words after it until the
    /// piece is new (at the end of the text, with the pieces before it), so a repeated word never
    /// needs two successors.
    /// </summary>
    private sealed partial class WordSplitter
    {
        private readonly HashSet<string> _used = new(StringComparer.Ordinal);

        public ScriptPiece[] Split(string text)
        {
            string[] words = [.. Word().Matches(text).Select(m => m.Value)];
            var pieces = new List<string>();
            for (int i = 0; i < words.Length;)
            {
                string piece = words[i++];
                while (_used.Contains(piece) && i < words.Length)
                {
                    piece += words[i++];
                }

                while (_used.Contains(piece) && pieces.Count > 0)
                {
                    piece = pieces[^1] + piece;
                    pieces.RemoveAt(pieces.Count - 1);
                }

                _used.Add(piece);
                pieces.Add(piece);
            }

            return [.. pieces.Select(p => (ScriptPiece)p)];
        }

        [GeneratedRegex(@"\s*\S+(\s+\z)?")]
        private static partial Regex Word();
    }
}
