namespace HiPO.ModeParsing;

/// <summary>
/// One piece of parsed reply: text of a section, or the think-mode decision
/// (<see cref="ModeEventKind.ModeDecided"/>, with <see cref="Mode"/> set and empty <see cref="Text"/>).
/// </summary>
public readonly record struct ModeEvent(ModeEventKind Kind, string Text, ThinkMode? Mode = null);
