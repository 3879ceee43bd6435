namespace HiPO.Bench;

/// <summary>The groups of phases a run can be limited to (<c>--only</c>).</summary>
[Flags]
public enum BenchmarkPhases
{
    /// <summary>(a) raw engine, (b) server over HTTP and (c) multi-turn, on the HiPO-1.7B-shape model.</summary>
    Shape = 1,

    /// <summary>(d) the server's overhead per token on the scripted model.</summary>
    Overhead = 2,

    /// <summary>(e) the GPU proxy: HiPO's vocabulary with tiny layers.</summary>
    Proxy = 4,

    /// <summary>(f) requests sharing a long system prompt, together and one at a time, on the HiPO-1.7B-shape model.</summary>
    Shared = 8,

    /// <summary>(g) a burst of auto-mode requests with load-adaptive thinking off and on, on a scripted model that reasons at length.</summary>
    Adaptive = 16,

    All = Shape | Overhead | Proxy | Shared | Adaptive,
}
