namespace HiPO.ModeParsing;

/// <summary>The tags HiPO (and KAT-V1's AutoThink) write around the parts of a reply.</summary>
public static class HipoTags
{
    public const string JudgeOpen = "<judge>";
    public const string JudgeClose = "</judge>";
    public const string ThinkOn = "<think_on>";
    public const string ThinkOff = "<think_off>";
    public const string ThinkOpen = "<think>";
    public const string ThinkClose = "</think>";
    public const string AnswerOpen = "<answer>";
    public const string AnswerClose = "</answer>";

    internal static readonly string[] All =
        [JudgeOpen, JudgeClose, ThinkOn, ThinkOff, ThinkOpen, ThinkClose, AnswerOpen, AnswerClose];
}
