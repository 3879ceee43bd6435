namespace HiPO.Server.OpenAI;

/// <summary>
/// What chat and legacy completion requests add to <see cref="SamplingRequest"/>: <c>n</c> choices, <c>max_tokens</c>,
/// <c>stream_options</c>, and llama.cpp's repetition penalty and the logit bias.
/// </summary>
public abstract record ChoicesRequest : SamplingRequest
{
    protected ChoicesRequest()
    {
    }

    /// <summary>Takes over another request's shared fields.</summary>
    protected ChoicesRequest(SamplingRequest shared) : base(shared)
    {
    }

    public StreamOptions? StreamOptions { get; set; }
    public int? MaxTokens { get; set; }
    public int? N { get; set; }
    public double? RepetitionPenalty { get; set; }
    /// <summary>Token id (as a string key) to a bias from -100 (ban) to 100.</summary>
    public Dictionary<string, double>? LogitBias { get; set; }
}
