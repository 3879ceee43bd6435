using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using HiPO.Inference.Scheduling;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Completions;

/// <summary>A validated legacy completion request: what to generate and how to shape the response.</summary>
/// <param name="Echo">The prompt text to put before each completion, or null.</param>
public sealed record CompletionPlan(GenerationRequest Generation, bool Stream, bool IncludeUsage, bool Logprobs, string? Echo) : IGenerationPlan
{
    /// <summary>The engine names the prompt as chat's <c>messages</c>; here it is <c>prompt</c>.</summary>
    public ApiException Refused(ApiException refusal) => refusal.Param == "messages"
        ? new ApiException(refusal.Status, refusal.Message, refusal.Type, "prompt", refusal.Code, refusal.RetryAfter)
        : refusal;
}

/// <summary>
/// Translates an OpenAI legacy completion request into a raw <see cref="GenerationRequest"/>: the prompt is trusted text whose
/// control tokens are parsed (as llama-server does), and everything the model writes is the completion, with no HiPO parsing.
/// </summary>
public sealed class CompletionRequestMapper(HipoEngine engine, ChoicesRequestMapper shared)
{
    /// <summary>OpenAI's default <c>max_tokens</c> for legacy completions.</summary>
    public const int DefaultMaxTokens = 16;

    /// <summary>The most alternatives the legacy <c>logprobs</c> field may ask for, as in OpenAI's API.</summary>
    public const int MaxLogprobs = 5;

    /// <remarks>Strings inside <see cref="JsonElement"/> fields are valid UTF-8 here: <see cref="JsonBody"/> decoded them all.</remarks>
    public CompletionPlan Map(CompletionRequest request)
    {
        shared.CheckModel(request.Model);
        var prompt = MapPrompt(request.Prompt);
        var n = shared.Choices(request, request.Logprobs, MaxLogprobs, "logprobs");
        if (request.BestOf is { } bestOf && bestOf != n)
            throw ApiException.Invalid($"best_of must equal n ({n}) or be omitted, got {bestOf}: this server returns every choice it generates.", "best_of", "unsupported_value");
        if (request.Echo == true && request.Logprobs is not null)
            throw ApiException.Invalid("echo with logprobs is not supported: this server does not score prompt tokens.", "echo", "unsupported_value");
        if (!string.IsNullOrEmpty(request.Suffix))
            throw ApiException.Invalid("suffix is not supported: HiPO models have no fill-in-the-middle format.", "suffix", "unsupported_value");

        var generation = new GenerationRequest
        {
            Prompt = new RenderedPrompt([new PromptSegment(prompt, IsTemplate: true)], ReplyPrefill: "", ForcedMode: null, StartsInJudge: false),
            Sampling = shared.Sampling(request),
            MaxTokens = SamplingMapper.MaxTokens(request.MaxTokens, "max_tokens") ?? DefaultMaxTokens,
            Stop = SamplingMapper.Stop(request.Stop),
            Choices = n,
            TopLogprobs = request.Logprobs,
            RawCompletion = true,
        };
        return new CompletionPlan(generation, request.Stream == true, request.StreamOptions?.IncludeUsage == true,
            request.Logprobs is not null, request.Echo == true ? prompt : null);
    }

    /// <summary>One prompt: a string, an array holding one string, or token ids (bare or as the one array in an array).</summary>
    private string MapPrompt(JsonElement? prompt)
    {
        switch (prompt?.ValueKind)
        {
            case null or JsonValueKind.Null:
                throw ApiException.Invalid("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
            case JsonValueKind.String:
                return NonEmpty(prompt.Value.GetString()!);
            case JsonValueKind.Array:
                List<JsonElement> items = [.. prompt.Value.EnumerateArray()];
                if (items.Count == 0)
                    throw ApiException.Invalid("prompt must not be empty.", "prompt");
                if (items.All(i => i.ValueKind == JsonValueKind.Number))
                    return TextOfTokens(items);
                if (items.Count == 1 && items[0].ValueKind == JsonValueKind.String)
                    return NonEmpty(items[0].GetString()!);
                if (items.Count == 1 && items[0].ValueKind == JsonValueKind.Array)
                    return TextOfTokens([.. items[0].EnumerateArray()]);
                if (items.All(i => i.ValueKind is JsonValueKind.String or JsonValueKind.Array))
                    throw ApiException.Invalid($"prompt holds {items.Count} prompts; this server completes one prompt per request.", "prompt", "unsupported_value");
                break;
        }
        throw ApiException.Invalid("prompt must be a string, an array holding one string, or an array of token ids.", "prompt", "invalid_type");

        static string NonEmpty(string text) => text.Length == 0 ? throw ApiException.Invalid("prompt must not be empty.", "prompt") : text;
    }

    /// <summary>
    /// The scheduler tokenizes every prompt itself, so token ids are taken as the text they spell, and only when
    /// tokenizing that text gives the same ids back (as ids from <c>POST /tokenize</c> do); anything else is refused, not altered.
    /// </summary>
    private string TextOfTokens(List<JsonElement> items)
    {
        if (items.Count == 0)
            throw ApiException.Invalid("prompt must not be empty.", "prompt");
        var tokens = new int[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i].ValueKind != JsonValueKind.Number || !items[i].TryGetInt32(out tokens[i]))
                throw ApiException.Invalid("prompt must be a string, an array holding one string, or an array of token ids.", "prompt", "invalid_type");
            if (tokens[i] < 0 || tokens[i] >= engine.VocabularySize)
                throw ApiException.Invalid($"prompt token {tokens[i]} at index {i} is not a token id of this model (0 to {engine.VocabularySize - 1}).", "prompt");
        }
        var text = engine.Detokenize(tokens);
        if (!engine.Tokenize(text, addSpecial: false, parseSpecial: true).AsSpan().SequenceEqual(tokens))
            throw ApiException.Invalid(
                "These prompt token ids are not how this model's tokenizer splits their text, and this server tokenizes prompts itself. " +
                "Send the prompt as text, or ids from POST /tokenize.", "prompt", "unsupported_value");
        return text;
    }
}
