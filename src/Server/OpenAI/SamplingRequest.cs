namespace HiPO.Server.OpenAI;

/// <summary>The sampling fields that chat and legacy completion requests share, validated once by <see cref="SamplingMapper"/>.</summary>
public interface ISamplingRequest
{
    double? Temperature { get; }
    double? TopP { get; }
    int? TopK { get; }
    double? MinP { get; }
    long? Seed { get; }
    double? PresencePenalty { get; }
    double? FrequencyPenalty { get; }
    double? RepetitionPenalty { get; }
    Dictionary<string, double>? LogitBias { get; }
}
