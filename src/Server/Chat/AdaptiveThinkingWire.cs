using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary>The load-adaptive thinking policy on the wire: the request's opt-out and the reply's marker.</summary>
public static class AdaptiveThinkingWire
{
    /// <summary>The reply's <c>think_mode_policy</c> when the load policy changed its mode or budget.</summary>
    public const string Load = "load";

    /// <summary>Whether <c>think_mode_policy</c> opts the request out of the load policy: <c>"none"</c> does, <c>"auto"</c> or absent does not.</summary>
    public static bool OptsOut(string? policy) => policy switch
    {
        null or "auto" => false,
        "none" => true,
        _ => throw ApiException.Invalid($"Invalid think_mode_policy '{policy}'. Supported values are: 'auto' and 'none'.", "think_mode_policy"),
    };
}
