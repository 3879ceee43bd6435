namespace HiPO.Inference.Scheduling;

/// <summary>
/// What one decode step feeds, within the batch size: first the pending tokens of every generating sequence (its last
/// token, injected text, or its whole history after a context rebuild), then chunks of admitted prompts (chunked
/// prefill, so a long prompt never stalls running streams). Built and used on the loop thread.
/// </summary>
internal sealed class StepPlan
{
    /// <summary>Sequences whose logits this step produces, to be sampled right after it.</summary>
    public List<(ActiveRequest Request, Sequence Sequence)> ToSample { get; } = [];

    /// <summary>Requests whose prompt this step completes: their choices start (forks are made) after the decode.</summary>
    public List<ActiveRequest> PrefillDone { get; } = [];

    /// <summary>Every sequence that has tokens in this step: the ones a failed decode takes down.</summary>
    public HashSet<Sequence> Fed { get; } = [];

    public void Build(IReadOnlyList<ActiveRequest> active, int batchSize, int prefillChunk)
    {
        ToSample.Clear();
        PrefillDone.Clear();
        Fed.Clear();
        var budget = batchSize;
        foreach (var request in active)
        {
            if (request.IsPrefilling)
                continue;
            foreach (var sequence in request.Sequences)
            {
                if (budget == 0)
                    return;
                if (sequence.Finished is not null || sequence.Next.Length == 0)
                    continue;
                var count = Math.Min(sequence.Next.Length, budget);
                var tokens = sequence.Next.AsSpan(0, count);
                sequence.Conversation.Prompt(tokens);
                sequence.KvTokens.AddRange(tokens);
                sequence.Next = sequence.Next[count..];
                budget -= count;
                Fed.Add(sequence);
                if (sequence.Next.Length == 0)
                    ToSample.Add((request, sequence));
            }
        }
        foreach (var request in active)
        {
            if (budget == 0)
                return;
            if (!request.IsPrefilling)
                continue;
            var count = Math.Min(Math.Min(prefillChunk, budget), request.PromptTokens.Length - request.Prefilled);
            var chunk = request.PromptTokens.AsSpan(request.Prefilled, count);
            var main = request.Sequences[0];
            main.Conversation.Prompt(chunk);
            main.KvTokens.AddRange(chunk);
            request.Prefilled += count;
            budget -= count;
            Fed.Add(main);
            if (!request.IsPrefilling)
                PrefillDone.Add(request);
        }
    }
}
