using System.Diagnostics;
using System.Threading.Channels;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>A request inside the scheduler, from the queue to its last update. Owned by the loop thread once submitted.</summary>
internal sealed class ActiveRequest(GenerationRequest request, LLamaToken[] promptTokens, int maxTokens, int reservation, CancellationToken cancellation)
{
    public GenerationRequest Request { get; } = request;
    public LLamaToken[] PromptTokens { get; } = promptTokens;
    public int MaxTokens { get; } = maxTokens;
    /// <summary>KV cells this request may use at most: its prompt plus every choice's generation.</summary>
    public int Reservation { get; } = reservation;
    public CancellationToken Cancellation { get; } = cancellation;
    public Channel<GenerationUpdate> Updates { get; } = Channel.CreateUnbounded<GenerationUpdate>(new() { SingleReader = true, SingleWriter = true });
    public TaskCompletionSource<int> Admitted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public long EnqueuedAt { get; } = Stopwatch.GetTimestamp();
    public long AdmittedAt { get; set; }
    public long PrefilledAt { get; set; }
    public int Prefilled { get; set; }
    public int CachedTokens { get; set; }
    public List<Sequence> Sequences { get; } = [];
    public bool IsPrefilling => Prefilled < PromptTokens.Length;
    public bool IsFinished => Sequences.Count > 0 && Sequences.All(s => s.Finished is not null);

    public void Publish(GenerationUpdate update) => Updates.Writer.TryWrite(update);
}
