using System.Text;

namespace HiPO.ModeParsing;

/// <summary>
/// Prepares earlier assistant turns for a new prompt the way KAT-V1's chat template does: the model
/// sees only the answers it gave, not its judges or reasoning.
/// </summary>
public static class HipoTranscript
{
    /// <summary>
    /// The answer of an earlier assistant turn: a raw reply, in HiPO's format or another model's, or plain text (most
    /// often this server's own content field, echoed back by the client).
    /// </summary>
    /// <remarks>
    /// <para>
    /// A message with a tag that opens HiPO's answer (<c>&lt;think_off&gt;</c> or <c>&lt;answer&gt;</c>) is a HiPO reply:
    /// its answer is what a <see cref="HipoReplyParser"/> reads, the content a client of this server was sent. Two rules
    /// hold for a stored reply only: a <c>&lt;/think&gt;</c> in answer text outside the answer block (one the parser
    /// drops, since the reasoning was closed) means the reasoning went on to there, so only what follows it counts, less
    /// one leading newline; and the message's end closes an answer left open, so one trailing newline there is layout.
    /// </para>
    /// <para>
    /// Any other message is not read as HiPO, since plain text may mention a tag (<c>a &lt;think&gt; block</c>): as in
    /// Qwen's template, only what follows its last <c>&lt;/think&gt;</c> counts, less the leading newlines (the reasoning
    /// of Qwen3 and R1-style replies, which may lack the opening <c>&lt;think&gt;</c>, ends there), else the whole text;
    /// less one leading and one trailing newline.
    /// </para>
    /// </remarks>
    public static string AnswerOf(string assistantContent)
    {
        var events = new List<ModeEvent>();
        bool answerOpened = false;
        int answerFrom = 0;
        bool afterLateThinkClose = false;
        HipoReplyParser? parser = null;
        parser = new HipoReplyParser
        {
            TagRead = tag =>
            {
                answerOpened |= tag is HipoTags.ThinkOff or HipoTags.AnswerOpen;
                if (tag == HipoTags.ThinkClose && parser!.Section == ReplySection.Answer && !parser.InAnswerBlock)
                    (answerFrom, afterLateThinkClose) = (events.Count, true);
            },
        };
        parser.Feed(assistantContent, events);
        if (!answerOpened)
            return WithoutOuterNewlines(AfterLastThinkClose(assistantContent));
        parser.Finish(endedNaturally: true, events);

        var answer = new StringBuilder();
        foreach (var e in events.Skip(answerFrom))
        {
            if (e.Kind == ModeEventKind.Answer)
                answer.Append(e.Text);
        }
        if (afterLateThinkClose && answer.Length > 0 && answer[0] == '\n')
            answer.Remove(0, 1);
        if (parser.Section != ReplySection.Done && answer.Length > 0 && answer[^1] == '\n')
            answer.Length--;
        return answer.ToString();
    }

    private static string AfterLastThinkClose(string text)
    {
        int thinkClose = text.LastIndexOf(HipoTags.ThinkClose, StringComparison.Ordinal);
        return thinkClose < 0 ? text : text[(thinkClose + HipoTags.ThinkClose.Length)..].TrimStart('\n');
    }

    private static string WithoutOuterNewlines(string text)
    {
        var span = text.AsSpan();
        if (span.StartsWith("\n"))
            span = span[1..];
        if (span.EndsWith("\n"))
            span = span[..^1];
        return span.ToString();
    }
}
