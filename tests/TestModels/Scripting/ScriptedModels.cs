using HiPO.Inference.Hosting;

namespace HiPO.Gguf.Scripting;

/// <summary>
/// Ready-made scripted models for the tests and the benchmark, and the server's demo model. Each
/// property builds its small script when read.
/// </summary>
/// <remarks>
/// A scripted token has one successor wherever it appears, and the byte token "\n" starts every
/// reply, so a whitespace-only token can separate two tags only once per model: "\n\n" sits between
/// <c>&lt;/judge&gt;</c> and <c>&lt;think_off&gt;</c> in think-off replies and between
/// <c>&lt;/think&gt;</c> and <c>&lt;answer&gt;</c> in think-on replies, and the other tags follow
/// each other directly. Newlines inside blocks are exactly as in HiPO's format.
/// </remarks>
public static class ScriptedModels
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

    /// <summary>The model the server serves with <c>--demo</c> (see <see cref="DemoModel"/>).</summary>
    public static ScriptedFixture Demo => new(DemoModel.Script(), DemoModel.Judge, DemoModel.Reasoning, DemoModel.Answer);

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

    /// <summary>A think-off reply up to its answer: the judge text, the decision, and the opened answer block.</summary>
    private static ScriptPiece[] ThinkOffOpening(WordSplitter words, string judge) =>
        [.. words.Split(judge + "\n"), "</judge>", "\n\n", "<think_off>", "<answer>"];

    private static ScriptedFixture BuildThinkOff()
    {
        const string judge = "This is a simple factual question, so no reasoning is needed.";
        const string answer = "The capital of France is Paris.";
        var words = new WordSplitter();
        var builder = new ScriptedModelBuilder("scripted-think-off").Chain(after: "\n",
        [
            .. ThinkOffOpening(words, judge),
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
            .. ThinkOffOpening(words, judge),
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
            .Chain(after: "\n", ThinkOffOpening(words, judge))
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
}
