namespace HiPO.ModeParsing;

/// <summary>What a <see cref="ModeEvent"/> carries.</summary>
public enum ModeEventKind
{
    Judge,
    ModeDecided,
    Reasoning,
    Answer,
}
