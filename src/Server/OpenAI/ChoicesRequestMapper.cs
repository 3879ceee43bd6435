using HiPO.Inference.Hosting;
using HiPO.Inference.Scheduling;

namespace HiPO.Server.OpenAI;

/// <summary>
/// The validation chat and legacy completion requests share (<see cref="ChoicesRequest"/>): the model, <c>n</c>, the number of
/// log-probabilities, <c>stream_options</c> and the sampling fields, so that both endpoints refuse a bad value with the same error.
/// </summary>
public sealed class ChoicesRequestMapper(HipoEngine engine, ModelOptions model, InferenceOptions inference)
{
    private readonly SamplingMapper _sampling = new(engine, inference);

    /// <summary>Refuses model ids this server does not serve (404), unless configured to accept any.</summary>
    public void CheckModel(string? requested)
    {
        if (requested is null || model.AcceptAnyModelId || requested == engine.ModelId || model.Aliases.Contains(requested))
            return;
        throw ApiException.ModelNotFound(requested, engine.ModelId);
    }

    /// <summary>The number of choices, after checking it, the log-probabilities asked per token (<paramref name="param"/>) and <c>stream_options</c>.</summary>
    public int Choices(ChoicesRequest request, int? logprobs, int maxLogprobs, string param)
    {
        var n = _sampling.Choices(request.N);
        if (logprobs is { } top && (top < 0 || top > maxLogprobs))
            throw ApiException.Invalid($"{param} must be between 0 and {maxLogprobs}, got {top}.", param);
        if (request.StreamOptions is not null && request.Stream != true)
            throw ApiException.Invalid("stream_options is only allowed when stream is true.", "stream_options");
        return n;
    }

    public SamplingSettings Sampling(ChoicesRequest request) => _sampling.Map(request);
}
