using HiPO.Bench.Http;

namespace HiPO.Bench;

/// <summary>
/// What one engine-versus-server comparison runs: the raw engine at <see cref="BatchSizes"/> (always greedy), and the
/// server with each request kind of <see cref="Server"/> at its concurrencies, <see cref="Tokens"/> per sequence or
/// request. A level runs <see cref="Waves"/> waves, or more until it has <see cref="MinSequencesPerLevel"/> sequences.
/// </summary>
public sealed record ComparisonPlan(
    int[] BatchSizes,
    IReadOnlyList<ServerLevels> Server,
    int PromptTokens,
    int Tokens,
    int Waves,
    int MinSequencesPerLevel,
    int WarmUpStreams = 1);

/// <summary>One kind of request and the concurrencies the server is measured at with it.</summary>
public sealed record ServerLevels(RequestVariant Variant, int[] Concurrencies);
