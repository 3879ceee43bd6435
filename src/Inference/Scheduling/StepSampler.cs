using LLama;
using LLama.Native;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// Samples every sequence a step produced logits for and moves its reply on (<see cref="Sequence.Advance"/>), in
/// parallel: each sequence has its own sampler chain, decoder and reply parser and reads its own row of logits (forks
/// share a row, read only), so no state is shared. The logit rows are located on the loop thread (that call
/// synchronizes with the device); only the pure host work fans out, and the loop publishes the results in order.
/// </summary>
internal sealed class StepSampler(LLamaWeights weights, BudgetClosing closing)
{
    /// <summary>
    /// Below this many sequences, or on a machine with few cores (where llama.cpp's own threads take them all), the
    /// work is not worth a hand-off to the thread pool.
    /// </summary>
    private static readonly int ParallelFrom = Environment.ProcessorCount >= 4 ? 4 : int.MaxValue;

    private readonly SafeLlamaModelHandle.Vocabulary _vocab = weights.NativeHandle.Vocab;
    private IntPtr[] _rows = [];
    private Exception?[] _failures = [];

    /// <summary>Internal hook for tests: called with each sequence's index before it is sampled (to inject a failure).</summary>
    public Action<int>? Fault { get; set; }

    /// <summary>Samples and advances every sequence; each entry is null where it advanced (see its <see cref="Sequence.Events"/>), else why it failed.</summary>
    public unsafe ReadOnlySpan<Exception?> PickAll(List<(ActiveRequest Request, Sequence Sequence)> items, SafeLLamaContextHandle context)
    {
        var count = items.Count;
        if (_rows.Length < count)
        {
            _rows = new IntPtr[count];
            _failures = new Exception?[count];
        }
        var vocabularySize = _vocab.Count;
        for (var i = 0; i < count; i++)
        {
            var row = context.GetLogitsIth(items[i].Sequence.Conversation.GetSampleIndex());
            fixed (float* first = row)
                _rows[i] = (IntPtr)first;
        }
        if (count < ParallelFrom)
        {
            for (var i = 0; i < count; i++)
                _failures[i] = PickOne(items[i].Request, items[i].Sequence, _rows[i], vocabularySize);
        }
        else
        {
            var rows = _rows;
            var failures = _failures;
            Parallel.For(0, count, i => failures[i] = PickOne(items[i].Request, items[i].Sequence, rows[i], vocabularySize));
        }
        return _failures.AsSpan(0, count);
    }

    private unsafe Exception? PickOne(ActiveRequest request, Sequence sequence, IntPtr row, int vocabularySize)
    {
        try
        {
            Fault?.Invoke(sequence.Index);
            var (token, logprob) = sequence.Pick(new ReadOnlySpan<float>((void*)row, vocabularySize), _vocab);
            sequence.Advance(token, logprob, request.MaxTokens, request.Request.MaxReasoningTokens, closing);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
