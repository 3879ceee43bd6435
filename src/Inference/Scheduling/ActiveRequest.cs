using System.Diagnostics;
using System.Threading.Channels;
using HiPO.Inference.Sampling;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>A request inside the scheduler, from the queue to its last update. Owned by the loop thread once submitted.</summary>
internal sealed class ActiveRequest(
    GenerationRequest request, LLamaToken[] promptTokens, int maxTokens, int reservation, IEnumerable<GrammarConstraint> grammars, CancellationToken cancellation)
{
    /// <summary>One compiled answer grammar per choice not yet started (compiled on the request thread, never in the loop).</summary>
    private readonly Queue<GrammarConstraint> _grammars = new(grammars);

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

    /// <summary>The grammar for the next choice to start; null when the request has none.</summary>
    public GrammarConstraint? TakeGrammar() => _grammars.TryDequeue(out var grammar) ? grammar : null;

    /// <summary>Frees the grammars of choices that never started (the request was refused, failed or ended early).</summary>
    public void DisposeGrammars()
    {
        while (_grammars.TryDequeue(out var grammar))
            grammar.Dispose();
    }
}
