namespace HiPO.Gguf;

/// <summary>
/// llama.cpp's standard metadata keys for a model's recommended sampling: the converter writes them, the server reads
/// them as its defaults, so both name them here.
/// </summary>
public static class GgufSamplingKeys
{
    public const string TemperatureKey = "general.sampling.temp";
    public const string TopKKey = "general.sampling.top_k";
    public const string TopPKey = "general.sampling.top_p";
    public const string MinPKey = "general.sampling.min_p";
    public const string RepetitionPenaltyKey = "general.sampling.penalty_repeat";
}
