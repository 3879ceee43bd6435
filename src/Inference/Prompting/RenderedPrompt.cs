using HiPO.ModeParsing;

namespace HiPO.Inference.Prompting;

/// <summary>A piece of prompt text: template markup (trusted, may hold control tokens) or conversation text (never parsed for control tokens).</summary>
public readonly record struct PromptSegment(string Text, bool IsTemplate);

/// <summary>
/// A prompt ready to tokenize. <see cref="ReplyPrefill"/> is the part of the assistant turn the server wrote
/// after the judge opening (a forced mode), which the reply parser must read before the model's own text.
/// </summary>
public sealed record RenderedPrompt(IReadOnlyList<PromptSegment> Segments, string ReplyPrefill, ThinkMode? ForcedMode, bool StartsInJudge)
{
    public string Text => string.Concat(Segments.Select(s => s.Text));
}
