using System.ComponentModel.DataAnnotations;

namespace HiPO.Inference.Hosting;

/// <summary>How the scheduler shares the model between requests (configuration section <c>Inference</c>).</summary>
public sealed class InferenceOptions
{
    public const string Section = "Inference";

    /// <summary>Sequences decoded together in one batch; each choice of a request takes one.</summary>
    [Range(1, 256)]
    public int MaxParallel { get; set; } = 4;

    /// <summary>Requests waiting for a slot; beyond this a request is refused with 503.</summary>
    [Range(0, 100_000)]
    public int MaxQueue { get; set; } = 64;

    /// <summary>Longest a request may wait in the queue before it is refused with 503.</summary>
    [Range(1, 3600)]
    public int QueueTimeoutSeconds { get; set; } = 60;

    /// <summary>Most prompt tokens one sequence prefills per step, so running streams keep flowing.</summary>
    [Range(1, 65536)]
    public int PrefillChunk { get; set; } = 256;

    /// <summary>Finished sequences whose KV cache is kept for prefix reuse (LRU).</summary>
    [Range(0, 256)]
    public int CachedSequences { get; set; } = 8;

    /// <summary>Shortest shared prefix worth reusing from the cache.</summary>
    [Range(1, 65536)]
    public int MinCachedPrefix { get; set; } = 16;

    /// <summary>Most choices (<c>n</c>) one request may ask for.</summary>
    [Range(1, 64)]
    public int MaxChoices { get; set; } = 8;

    /// <summary>On shutdown, how long running streams may finish before they are cancelled.</summary>
    [Range(0, 3600)]
    public int DrainTimeoutSeconds { get; set; } = 30;
}
