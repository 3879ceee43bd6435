using HiPO.ModeParsing;

namespace HiPO.Inference.Hosting;

/// <summary>
/// The reasoning format in force for a loaded model: the configured <see cref="ReasoningOptions"/>, with the generation
/// prefix the model's own chat template writes where the configuration leaves it unset. Built once when the model is
/// loaded and never changed, so the prompt renderer and the decode loop always agree on it.
/// </summary>
public sealed class EffectiveReasoning(ReasoningOptions configured, string? modelGenerationPrefix = null)
{
    public string DefaultSystemPrompt { get; } = configured.DefaultSystemPrompt;

    /// <summary>Opens the assistant turn: the model's own prefix, else the configured one.</summary>
    public string GenerationPrefix { get; } = modelGenerationPrefix ?? configured.GenerationPrefix;

    /// <summary>Whether the generation prefix opens the judge block, so that a reply starts inside it.</summary>
    public bool StartsInJudge { get; } =
        (modelGenerationPrefix ?? configured.GenerationPrefix).TrimEnd().EndsWith(HipoTags.JudgeOpen, StringComparison.Ordinal);

    public string ForceOffPrefill { get; } = configured.ForceOffPrefill;

    public string ForceOnPrefill { get; } = configured.ForceOnPrefill;

    public string BudgetClosing { get; } = configured.BudgetClosing;

    public string DefaultMode { get; } = configured.DefaultMode;

    public int? DefaultMaxReasoningTokens { get; } = configured.DefaultMaxReasoningTokens;
}
