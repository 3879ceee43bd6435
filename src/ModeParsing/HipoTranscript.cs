namespace HiPO.ModeParsing;

/// <summary>
/// Prepares earlier assistant turns for a new prompt the way KAT-V1's chat template does: the model
/// sees only the answers it gave, not its judges or reasoning.
/// </summary>
public static class HipoTranscript
{
    /// <summary>
    /// The answer of an earlier assistant turn, which may be raw HiPO text or plain text: what lies
    /// between <c>&lt;answer&gt;</c> and <c>&lt;/answer&gt;</c> (or the end), else what follows
    /// <c>&lt;think_off&gt;</c> or the last <c>&lt;/think&gt;</c>, else the whole text; without one
    /// leading and one trailing newline.
    /// </summary>
    public static string AnswerOf(string assistantContent)
    {
        var answer = assistantContent.AsSpan();
        int open = assistantContent.IndexOf(HipoTags.AnswerOpen, StringComparison.Ordinal);
        int thinkOff = assistantContent.IndexOf(HipoTags.ThinkOff, StringComparison.Ordinal);
        int thinkClose = assistantContent.LastIndexOf(HipoTags.ThinkClose, StringComparison.Ordinal);
        if (open >= 0)
        {
            answer = answer[(open + HipoTags.AnswerOpen.Length)..];
            int close = answer.IndexOf(HipoTags.AnswerClose, StringComparison.Ordinal);
            if (close >= 0)
                answer = answer[..close];
        }
        else if (thinkOff >= 0)
            answer = answer[(thinkOff + HipoTags.ThinkOff.Length)..];
        else if (thinkClose >= 0)
            answer = answer[(thinkClose + HipoTags.ThinkClose.Length)..];

        if (answer.StartsWith("\n"))
            answer = answer[1..];
        if (answer.EndsWith("\n"))
            answer = answer[..^1];
        return answer.ToString();
    }
}
