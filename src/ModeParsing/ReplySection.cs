namespace HiPO.ModeParsing;

/// <summary>The part of a reply that plain text arriving next would belong to.</summary>
public enum ReplySection
{
    Judge,
    Reasoning,
    Answer,

    /// <summary>After <c>&lt;/answer&gt;</c>: further text is dropped.</summary>
    Done,
}
