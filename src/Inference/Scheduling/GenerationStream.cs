using System.Threading.Channels;

namespace HiPO.Inference.Scheduling;

/// <summary>A submitted request: it waits in the queue until <see cref="Admitted"/> completes, then its updates arrive in order.</summary>
public sealed class GenerationStream(int promptTokens, int maxTokens, Task<int> admitted, ChannelReader<GenerationUpdate> updates)
{
    public int PromptTokens { get; } = promptTokens;

    /// <summary>Most tokens each choice may generate.</summary>
    public int MaxTokens { get; } = maxTokens;

    /// <summary>Completes with the number of prompt tokens reused from the prefix cache; faults with <see cref="ServerBusyException"/> when the queue wait expires.</summary>
    public Task<int> Admitted { get; } = admitted;

    public ChannelReader<GenerationUpdate> Updates { get; } = updates;
}
