namespace HiPO.Bench;

/// <summary>
/// What one benchmark run measures and how much. <see cref="FullRun"/> sizes a run of the HiPO-1.7B-shape
/// model and the GPU proxy to about fifteen minutes on two cores; <see cref="QuickRun"/> runs every phase with
/// tiny settings in seconds (the test suite's smoke test). Every raw-engine sequence samples greedily (argmax);
/// the server is measured with the request kinds of <see cref="RequestVariant"/>.
/// </summary>
public sealed record BenchmarkSettings
{
    /// <summary>Smoke mode: the scripted model stands in for the 1.7B model, and the proxy runs a few tokens.</summary>
    public bool Quick { get; init; }

    /// <summary>The phases to run (<c>--only</c>).</summary>
    public BenchmarkPhases Phases { get; init; } = BenchmarkPhases.All;

    /// <summary>The GGUF to measure; null generates (once) the random HiPO-1.7B-shape model in <see cref="ModelsFolder"/>.</summary>
    public string? ModelPath { get; init; }

    /// <summary>Type of the generated model: Q8_0 (written directly) or Q4_K_M (quantized from it by llama.cpp).</summary>
    public string Quantization { get; init; } = "Q8_0";

    /// <summary>Where generated models are cached between runs.</summary>
    public required string ModelsFolder { get; init; }

    /// <summary>KV cells of the context, the same for the raw engine and the server.</summary>
    public int ContextSize { get; init; } = 8192;

    /// <summary>
    /// Prompt length of phases (a) and (b), in tokens of the model's own tokenizer. The chat template, a short
    /// system turn and the think-off prefill already take about 100 byte-level tokens; the user turn fills the rest.
    /// </summary>
    public int PromptTokens { get; init; } = 128;

    /// <summary>Tokens generated per request or sequence in phases (a) and (b).</summary>
    public int GeneratedTokens { get; init; } = 64;

    /// <summary>Sequences decoded together by the raw engine in phase (a).</summary>
    public int[] EngineBatchSizes { get; init; } = [1, 2, 4, 8, 16];

    /// <summary>Simultaneous streaming greedy requests (<c>temperature: 0</c>) in phase (b).</summary>
    public int[] Concurrencies { get; init; } = [1, 2, 4, 8, 16];

    /// <summary>
    /// Simultaneous streaming requests that send only <c>temperature: 0.6</c> in phase (b), so the server's defaults
    /// (top_p 0.95, top_k 20 unless the model says otherwise) apply: what a typical client costs.
    /// </summary>
    public int[] DefaultsConcurrencies { get; init; } = [1, 8];

    /// <summary>Times each batch size (a) and concurrency (b) is run, at least; more waves give steadier numbers.</summary>
    public int Waves { get; init; } = 2;

    /// <summary>
    /// Small levels get more waves, until they have this many sequences (and requests): one 64-token wave
    /// at B = 1 lasts seconds, and a short burst of other load would move its ratio by several percent.
    /// </summary>
    public int MinSequencesPerLevel { get; init; } = 8;

    /// <summary>Prompt tokens of turn 1 in (c); all but its last ~40 (the assistant prefill) are shared with turn 2.</summary>
    public int Turn1PromptTokens { get; init; } = 1040;

    /// <summary>Tokens generated per turn in (c); the reply returns in turn 2's prompt, so it stays short.</summary>
    public int TurnTokens { get; init; } = 16;

    /// <summary>Two-turn conversations in (c), one after the other.</summary>
    public int Conversations { get; init; } = 2;

    /// <summary>Tokens generated per request in (d), on the scripted model.</summary>
    public int OverheadTokens { get; init; } = 512;

    /// <summary>Concurrencies (and engine batch sizes) of (d).</summary>
    public int[] OverheadConcurrencies { get; init; } = [1, 8];

    /// <summary>Streams (and engine batch sizes) of phase (e), the GPU proxy.</summary>
    public int[] ProxyLevels { get; init; } = [1, 8, 32];

    /// <summary>Requests of phase (f), all sharing one system prompt of <see cref="SharedPrefixTokens"/> tokens.</summary>
    public int SharedPrefixRequests { get; init; } = 16;

    public int SharedPrefixTokens { get; init; } = 2000;

    /// <summary>Tokens generated per request in (f): only the time to the first one is measured.</summary>
    public int SharedPrefixReplyTokens { get; init; } = 4;

    /// <summary>KV cells of the proxy's context: room for every stream of the top level (prompt and reply) and some cache.</summary>
    public int ProxyContextSize { get; init; } = 16384;

    /// <summary>Prompt length of (e), in tokens of the model's tokenizer.</summary>
    public int ProxyPromptTokens { get; init; } = 128;

    /// <summary>Tokens generated per request or sequence in (e): a step costs about a millisecond, so a wave is short.</summary>
    public int ProxyTokens { get; init; } = 128;

    /// <summary>Waves per level of (e), at least: 2 keeps (e) to a few minutes on two cores while top_k 0 is slow.</summary>
    public int ProxyWaves { get; init; } = 2;

    /// <summary>Sequences per level of (e), at least: a one-stream wave lasts a fraction of a second.</summary>
    public int ProxyMinSequencesPerLevel { get; init; } = 16;

    /// <summary>Seed of the prompt texts and of the generated random model.</summary>
    public int Seed { get; init; } = 1;

    public static BenchmarkSettings FullRun(string modelsFolder) => new() { ModelsFolder = modelsFolder };

    public static BenchmarkSettings QuickRun(string modelsFolder) => new()
    {
        Quick = true,
        ModelsFolder = modelsFolder,
        ContextSize = 2048,
        PromptTokens = 128,
        GeneratedTokens = 16,
        EngineBatchSizes = [1, 2],
        Concurrencies = [1, 2],
        Waves = 1,
        MinSequencesPerLevel = 1,
        Turn1PromptTokens = 240,
        TurnTokens = 8,
        Conversations = 1,
        OverheadTokens = 64,
        OverheadConcurrencies = [1],
        DefaultsConcurrencies = [1],
        ProxyLevels = [1, 2],
        SharedPrefixRequests = 4,
        SharedPrefixTokens = 120,
        ProxyContextSize = 2048,
        ProxyTokens = 8,
        ProxyWaves = 1,
        ProxyMinSequencesPerLevel = 1,
    };
}
