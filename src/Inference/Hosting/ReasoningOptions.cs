using System.ComponentModel.DataAnnotations;

namespace HiPO.Inference.Hosting;

/// <summary>HiPO prompt format and think-mode control (configuration section <c>Reasoning</c>).</summary>
public sealed class ReasoningOptions
{
    public const string Section = "Reasoning";

    /// <summary>System turn used when a request has none.</summary>
    public string DefaultSystemPrompt { get; set; } = "You are a helpful assistant.";

    /// <summary>Opens the assistant turn; the model then writes its judge text.</summary>
    [Required]
    public string GenerationPrefix { get; set; } = "<|im_start|>assistant\n<judge>\n";

    /// <summary>
    /// Appended after the generation prefix to force think-off: it closes the judge block and opens the
    /// answer, so the model continues inside the answer. Ending on the tag lets the model write its own newline.
    /// </summary>
    [Required]
    public string ForceOffPrefill { get; set; } = "A direct answer was requested.\n</judge>\n\n<think_off>\n<answer>";

    /// <summary>Appended after the generation prefix to force think-on: the model continues inside its reasoning.</summary>
    [Required]
    public string ForceOnPrefill { get; set; } = "Step-by-step reasoning was requested.\n</judge>\n\n<think_on>\n<think>";

    /// <summary>Injected when the reasoning budget runs out, so the model continues with its answer.</summary>
    [Required]
    public string BudgetClosing { get; set; } = "\n</think>\n\n<answer>";

    /// <summary>Mode used when a request does not say: auto, on or off.</summary>
    [RegularExpression("^(auto|on|off)$")]
    public string DefaultMode { get; set; } = "auto";

    /// <summary>Reasoning budget when a request does not set <c>max_reasoning_tokens</c>; null is unlimited.</summary>
    [Range(1, 1 << 20)]
    public int? DefaultMaxReasoningTokens { get; set; }

    /// <summary>Name of the reasoning field on the wire: reasoning_content, reasoning, or both.</summary>
    [RegularExpression("^(reasoning_content|reasoning|both)$")]
    public string FieldName { get; set; } = "reasoning_content";
}
