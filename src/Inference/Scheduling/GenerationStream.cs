using System.Threading.Channels;

namespace HiPO.Inference.Scheduling;

/// <summary>A submitted request: it waits in the queue until <see cref="Admitted"/> completes, then its updates arrive in order.</summary>
public sealed class GenerationStream(Task<int> admitted, ChannelReader<GenerationUpdate> updates)
{
    /// <summary>Completes with the number of prompt tokens reused from the prefix cache; faults with <see cref="ServerBusyException"/> when the queue wait expires.</summary>
    public Task<int> Admitted { get; } = admitted;

    public ChannelReader<GenerationUpdate> Updates { get; } = updates;
}
