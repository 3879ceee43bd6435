using System.Text.Json;
using HiPO.Inference.Prompting;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>
/// Maps every think-mode form clients already send (HiPO's <c>think_mode</c>, OpenAI's <c>reasoning_effort</c>,
/// vLLM's <c>chat_template_kwargs.enable_thinking</c>, Ollama's <c>think</c>) to one decision, refusing contradictions.
/// </summary>
public static class ThinkModeResolver
{
    /// <summary>The mode the request asks for, or null when it does not say.</summary>
    public static ThinkModeRequest? Resolve(ChatCompletionRequest request)
    {
        var asked = new List<(string Param, ThinkModeRequest Mode)>();
        if (request.ThinkMode is { } thinkMode)
            asked.Add(("think_mode", thinkMode switch
            {
                "auto" => ThinkModeRequest.Auto,
                "on" => ThinkModeRequest.On,
                "off" => ThinkModeRequest.Off,
                _ => throw ApiException.Invalid($"Invalid think_mode '{thinkMode}'. Supported values are: 'auto', 'on' and 'off'.", "think_mode"),
            }));
        if (request.ReasoningEffort is { } effort)
            asked.Add(("reasoning_effort", effort switch
            {
                "none" or "minimal" => ThinkModeRequest.Off,
                "low" or "medium" or "high" => ThinkModeRequest.On,
                _ => throw ApiException.Invalid($"Invalid reasoning_effort '{effort}'. Supported values are: 'none', 'minimal', 'low', 'medium' and 'high'.", "reasoning_effort"),
            }));
        if (request.ChatTemplateKwargs is { } kwargs)
        {
            if (kwargs.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid("chat_template_kwargs must be an object.", "chat_template_kwargs", "invalid_type");
            if (kwargs.TryGetProperty("enable_thinking", out var enable))
                asked.Add(("chat_template_kwargs.enable_thinking", enable.ValueKind switch
                {
                    JsonValueKind.True => ThinkModeRequest.On,
                    JsonValueKind.False => ThinkModeRequest.Off,
                    _ => throw ApiException.Invalid("chat_template_kwargs.enable_thinking must be a boolean.", "chat_template_kwargs.enable_thinking", "invalid_type"),
                }));
        }
        if (request.Think is { } think)
            asked.Add(("think", think.ValueKind switch
            {
                JsonValueKind.True => ThinkModeRequest.On,
                JsonValueKind.False => ThinkModeRequest.Off,
                JsonValueKind.String when think.GetString() is "low" or "medium" or "high" => ThinkModeRequest.On,
                _ => throw ApiException.Invalid("think must be true, false, 'low', 'medium' or 'high'.", "think", "invalid_type"),
            }));

        if (asked.Count == 0)
            return null;
        var first = asked[0];
        foreach (var other in asked.Skip(1))
            if (other.Mode != first.Mode)
                throw ApiException.Invalid(
                    $"{first.Param} asks for think mode '{Name(first.Mode)}' but {other.Param} asks for '{Name(other.Mode)}'; send one of them, or make them agree.",
                    other.Param, "conflicting_think_mode");
        return first.Mode;
    }

    public static ThinkModeRequest Parse(string configured) => configured switch
    {
        "on" => ThinkModeRequest.On,
        "off" => ThinkModeRequest.Off,
        _ => ThinkModeRequest.Auto,
    };

    private static string Name(ThinkModeRequest mode) => mode.ToString().ToLowerInvariant();
}
