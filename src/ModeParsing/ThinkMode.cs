namespace HiPO.ModeParsing;

/// <summary>Whether a HiPO reply reasons before answering (think-on) or answers directly (think-off).</summary>
public enum ThinkMode
{
    On,
    Off,
}
