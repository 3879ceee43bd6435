namespace HiPO.ModeParsing;

/// <summary>
/// A whole reply split into its parts. <see cref="Judge"/> is null when the reply had no judge block;
/// <see cref="Reasoning"/> is null unless <see cref="Mode"/> is <see cref="ThinkMode.On"/>.
/// </summary>
public sealed record ParsedReply(string? Judge, ThinkMode? Mode, string? Reasoning, string Answer);
