using System.Text;

namespace HiPO.ModeParsing;

/// <summary>
/// Prepares earlier assistant turns for a new prompt the way KAT-V1's chat template does: the model
/// sees only the answers it gave, not its judges or reasoning.
/// </summary>
public static class HipoTranscript
{
    /// <summary>
    /// The answer of an earlier assistant turn, which may be raw HiPO text or plain text: what a
    /// <see cref="HipoReplyParser"/> reads as the answer of the whole message (plain text is all answer), so
    /// the same degrade rules apply as to a streamed reply. Two rules hold for a stored message only: as in
    /// Qwen's template, only what follows the last <c>&lt;/think&gt;</c> counts (one the streaming parser
    /// drops, since the reasoning was already closed), less one leading newline; and the message's end closes
    /// an unclosed answer, so one trailing newline there is layout.
    /// </summary>
    public static string AnswerOf(string assistantContent)
    {
        var events = new List<ModeEvent>();
        int answerFrom = 0;
        bool afterLateThinkClose = false;
        HipoReplyParser? parser = null;
        parser = new HipoReplyParser
        {
            TagDropped = tag =>
            {
                if (tag == HipoTags.ThinkClose && parser!.Section == ReplySection.Answer && !parser.InAnswerBlock)
                    (answerFrom, afterLateThinkClose) = (events.Count, true);
            },
        };
        parser.Feed(assistantContent, events);
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
}
