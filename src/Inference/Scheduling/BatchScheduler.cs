using System.Diagnostics;
using System.Threading.Channels;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using HiPO.ModeParsing;
using LLama;
using LLama.Batched;
using LLama.Abstractions;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// The one decode loop. A dedicated thread owns the <see cref="BatchedExecutor"/> (and so the native context);
/// requests reach it through a channel and get their updates back through their own. Each step decodes one
/// token of every generating sequence together with a chunk of newly admitted prompts (continuous batching
/// with chunked prefill), then samples every sequence whose logits that step produced.
/// </summary>
public sealed class BatchScheduler : IAsyncDisposable
{
    private readonly LLamaWeights _weights;
    private readonly IContextParams _contextParams;
    private readonly InferenceOptions _options;
    private readonly PromptTokenizer _tokenizer;
    private readonly ILogger _logger;
    private readonly int _contextSize;
    private readonly int _batchSize;
    private readonly LLamaToken[] _budgetClosing;
    private readonly string _budgetClosingText;

    private readonly Channel<ActiveRequest> _incoming = Channel.CreateUnbounded<ActiveRequest>();
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Loop-thread state.
    private readonly LinkedList<ActiveRequest> _pending = new();
    private readonly List<ActiveRequest> _active = [];
    private readonly PrefixCache _cache;
    private BatchedExecutor _executor;
    private int _reservedCells;
    private long _steps;
    private int _maxSequenceId;

    // Shared with request threads.
    private int _waiting;
    private volatile int _runningSequences;
    private volatile bool _stopping;
    private long _drainDeadline = long.MaxValue;
    private SchedulerSnapshot _snapshot = SchedulerSnapshot.Empty;

    public BatchScheduler(LLamaWeights weights, IContextParams contextParams, InferenceOptions options, ReasoningOptions reasoning, PromptTokenizer tokenizer, ILogger logger)
    {
        _weights = weights;
        _contextParams = contextParams;
        _options = options;
        _tokenizer = tokenizer;
        _logger = logger;
        _executor = new BatchedExecutor(weights, contextParams);
        _contextSize = (int)_executor.Context.ContextSize;
        _batchSize = (int)_executor.Context.BatchSize;
        _budgetClosingText = reasoning.BudgetClosing;
        _budgetClosing = tokenizer.Tokenize(reasoning.BudgetClosing, special: true);
        _cache = new PrefixCache(options.CachedSequences);
        _thread = new Thread(Run) { IsBackground = true, Name = "hipo-decode-loop" };
        _thread.Start();
    }

    public int ContextSize => _contextSize;

    public SchedulerSnapshot Snapshot => Volatile.Read(ref _snapshot);

    public LLamaToken[] Tokenize(RenderedPrompt prompt) => _tokenizer.Tokenize(prompt);

    /// <summary>
    /// Queues a request. Throws <see cref="ContextLengthExceededException"/> when it can never fit and
    /// <see cref="ServerBusyException"/> when the queue is full or the server is shutting down.
    /// </summary>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellation)
    {
        var prompt = _tokenizer.Tokenize(request.Prompt);
        var maxTokens = Plan(request, prompt.Length);
        var closing = request.MaxReasoningTokens is null ? 0 : _budgetClosing.Length;
        var reservation = prompt.Length + request.Choices * (maxTokens + closing);
        if (reservation > _contextSize)
            throw new ContextLengthExceededException(
                $"This model's maximum context length is {_contextSize} tokens. However, you requested {reservation} tokens " +
                $"({prompt.Length} in the prompt, {maxTokens} for each of {request.Choices} choices). Please reduce the prompt, max_tokens or n.", "n");
        if (request.Choices > _options.MaxParallel)
            throw new ContextLengthExceededException($"n = {request.Choices} exceeds the {_options.MaxParallel} sequences this server decodes at once.", "n");
        if (_stopping)
            throw new ServerBusyException("The server is shutting down.", "shutting_down", TimeSpan.FromSeconds(5));

        var freeSlots = Math.Max(0, _options.MaxParallel - _runningSequences);
        if (Interlocked.Increment(ref _waiting) > _options.MaxQueue + freeSlots)
        {
            Interlocked.Decrement(ref _waiting);
            throw new ServerBusyException(
                $"The server is at capacity ({_options.MaxParallel} running, {_options.MaxQueue} queued). Retry later.",
                "queue_full", TimeSpan.FromSeconds(2));
        }

        var active = new ActiveRequest(request, prompt, maxTokens, reservation, cancellation);
        _incoming.Writer.TryWrite(active);
        cancellation.UnsafeRegister(static state => ((ManualResetEventSlim)state!).Set(), _wake);
        _wake.Set();
        return new GenerationStream(prompt.Length, maxTokens, active.Admitted.Task, active.Updates.Reader);
    }

    private int Plan(GenerationRequest request, int promptTokens)
    {
        if (promptTokens == 0)
            throw new ArgumentException("The prompt is empty.");
        if (promptTokens >= _contextSize)
            throw new ContextLengthExceededException(
                $"This model's maximum context length is {_contextSize} tokens. However, your prompt has {promptTokens} tokens. Please shorten it.", "messages");
        if (request.MaxTokens is { } max)
        {
            if (promptTokens + max > _contextSize)
                throw new ContextLengthExceededException(
                    $"This model's maximum context length is {_contextSize} tokens. However, you requested {promptTokens + max} tokens " +
                    $"({promptTokens} in the prompt, {max} in the completion). Please reduce the prompt or max_tokens.", "max_tokens");
            return max;
        }
        // Like llama-server's slots: by default a request may fill its share of the context, or what is left when its prompt is larger.
        var share = _contextSize / _options.MaxParallel - promptTokens;
        return Math.Max(1, share > 0 ? share : _contextSize - promptTokens) / Math.Max(1, request.Choices);
    }

    /// <summary>Stops admitting requests; running ones may finish until <paramref name="drain"/> passes, then are cancelled.</summary>
    public void BeginStop(TimeSpan drain)
    {
        if (_stopping)
            return;
        Interlocked.Exchange(ref _drainDeadline, Stopwatch.GetTimestamp() + (long)(drain.TotalSeconds * Stopwatch.Frequency));
        _stopping = true;
        _wake.Set();
    }

    /// <summary>Stops as <see cref="BeginStop"/> does and waits until the loop has ended.</summary>
    public async Task StopAsync(TimeSpan drain)
    {
        BeginStop(drain);
        await _stopped.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _wake.Dispose();
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                _wake.Reset();
                TakeIncoming();
                ExpireWaiting();
                ReapCancelled();
                Admit();
                Publish();
                if (_active.Count == 0)
                {
                    if (_stopping && _pending.Count == 0)
                        break;
                    _wake.Wait(TimeSpan.FromMilliseconds(250));
                    continue;
                }
                Step();
            }
        }
        catch (Exception e)
        {
            _logger.LogCritical(e, "The decode loop stopped unexpectedly");
        }
        finally
        {
            foreach (var request in _active.Concat(_pending).ToList())
                Fail(request, "The server stopped.");
            _cache.Dispose();
            Publish();
            _executor.Dispose();
            _stopped.TrySetResult();
        }
    }

    private void TakeIncoming()
    {
        while (_incoming.Reader.TryRead(out var request))
            _pending.AddLast(request);
    }

    private void ExpireWaiting()
    {
        var timeout = (long)(_options.QueueTimeoutSeconds * Stopwatch.Frequency);
        var now = Stopwatch.GetTimestamp();
        for (var node = _pending.First; node is not null;)
        {
            var next = node.Next;
            var request = node.Value;
            Exception? refusal =
                request.Cancellation.IsCancellationRequested ? new OperationCanceledException(request.Cancellation) :
                _stopping ? new ServerBusyException("The server is shutting down.", "shutting_down", TimeSpan.FromSeconds(5)) :
                now - request.EnqueuedAt > timeout ? new ServerBusyException(
                    $"The request waited {_options.QueueTimeoutSeconds} s in the queue without a free slot. Retry later.", "queue_timeout", TimeSpan.FromSeconds(2)) :
                null;
            if (refusal is not null)
            {
                _pending.Remove(node);
                Interlocked.Decrement(ref _waiting);
                request.Admitted.TrySetException(refusal);
                request.Updates.Writer.TryComplete();
            }
            node = next;
        }
    }

    private void ReapCancelled()
    {
        var drainOver = _stopping && Stopwatch.GetTimestamp() > Interlocked.Read(ref _drainDeadline);
        foreach (var request in _active.ToList())
        {
            var left = request.Cancellation.IsCancellationRequested;
            if (!left && !drainOver)
                continue;
            // A client that left needs no word; one still reading is told why its reply ends here.
            foreach (var sequence in request.Sequences.Where(s => s.Finished is null))
                Finish(request, sequence, left ? FinishReason.Cancelled : FinishReason.Error, endedNaturally: false,
                    left ? null : "The server shut down before this reply finished.");
            Complete(request);
        }
    }

    private void Admit()
    {
        while (_pending.First is { } node)
        {
            var request = node.Value;
            if (_runningSequences + request.Request.Choices > _options.MaxParallel)
                return;
            var prompt = request.PromptTokens;
            // Keep at least one prompt token to decode: its logits start the reply.
            var hit = _cache.TakeLongestPrefix(prompt.AsSpan(0, prompt.Length - 1), _options.MinCachedPrefix);
            while (_reservedCells + request.Reservation + _cache.Cells > _contextSize && _cache.EvictOldest())
            {
            }
            if (_reservedCells + request.Reservation + _cache.Cells > _contextSize)
            {
                if (hit is { } unused)
                    _cache.Add(unused.Entry.Conversation, unused.Entry.Tokens);
                return;
            }

            _pending.RemoveFirst();
            Interlocked.Decrement(ref _waiting);
            Conversation conversation;
            List<LLamaToken> kvTokens;
            if (hit is { Entry: var entry, Shared: var shared })
            {
                conversation = entry.Conversation;
                conversation.Rewind(conversation.TokenCount - shared);
                kvTokens = entry.Tokens.GetRange(0, shared);
            }
            else
            {
                conversation = _executor.Create();
                kvTokens = [];
            }
            _maxSequenceId = Math.Max(_maxSequenceId, (int)conversation.ConversationId);
            request.Prefilled = request.CachedTokens = kvTokens.Count;
            request.Sequences.Add(new Sequence(0, conversation, kvTokens, request.Request, _weights));
            request.AdmittedAt = Stopwatch.GetTimestamp();
            _active.Add(request);
            _reservedCells += request.Reservation;
            _runningSequences += request.Request.Choices;
            request.Admitted.TrySetResult(request.CachedTokens);
        }
    }

    private void Step()
    {
        var budget = _batchSize;
        var toSample = new List<(ActiveRequest Request, Sequence Sequence)>();
        var prefilled = new List<ActiveRequest>();
        foreach (var request in _active.Where(r => !r.IsPrefilling))
        {
            foreach (var sequence in request.Sequences.Where(s => s.Finished is null && s.Next.Length <= budget))
            {
                sequence.Conversation.Prompt(sequence.Next);
                sequence.KvTokens.AddRange(sequence.Next);
                budget -= sequence.Next.Length;
                toSample.Add((request, sequence));
            }
        }
        foreach (var request in _active.Where(r => r.IsPrefilling))
        {
            if (budget == 0)
                break;
            var count = Math.Min(Math.Min(_options.PrefillChunk, budget), request.PromptTokens.Length - request.Prefilled);
            var chunk = request.PromptTokens.AsSpan(request.Prefilled, count);
            var main = request.Sequences[0];
            main.Conversation.Prompt(chunk);
            main.KvTokens.AddRange(chunk);
            request.Prefilled += count;
            budget -= count;
            if (!request.IsPrefilling)
                prefilled.Add(request);
        }

        if (!Decode())
            return;
        _steps++;

        foreach (var request in prefilled)
        {
            request.PrefilledAt = Stopwatch.GetTimestamp();
            var main = request.Sequences[0];
            for (var index = 1; index < request.Request.Choices; index++)
            {
                var fork = main.Conversation.Fork();
                _maxSequenceId = Math.Max(_maxSequenceId, (int)fork.ConversationId);
                request.Sequences.Add(new Sequence(index, fork, [.. main.KvTokens], request.Request, _weights));
            }
            foreach (var sequence in request.Sequences)
            {
                var events = new List<ModeEvent>();
                sequence.Reply.Start(events);
                PublishEvents(request, sequence, events, null);
                toSample.Add((request, sequence));
            }
        }

        foreach (var (request, sequence) in toSample)
            Advance(request, sequence);
        foreach (var request in _active.Where(r => r.IsFinished).ToList())
            Complete(request);
    }

    /// <summary>Decodes the queued batch; on a full KV cache frees cached prefixes and retries. False when the step had to be abandoned.</summary>
    private bool Decode()
    {
        try
        {
            while (true)
            {
                var result = _executor.Infer().GetAwaiter().GetResult();
                if (result == DecodeResult.Ok)
                    return true;
                if (result == DecodeResult.NoKvSlot && _cache.EvictOldest())
                    continue;
                throw new InvalidOperationException($"llama_decode failed: {result}");
            }
        }
        catch (Exception e)
        {
            // The batch cannot be taken back from the executor, so start over with a fresh context.
            _logger.LogError(e, "Decoding failed; failing {Count} running requests and resetting the context", _active.Count);
            foreach (var request in _active.ToList())
                Fail(request, "The inference engine failed while decoding this request.");
            _cache.Dispose();
            _executor.Dispose();
            _executor = new BatchedExecutor(_weights, _contextParams);
            return false;
        }
    }

    private void Advance(ActiveRequest request, Sequence sequence)
    {
        if (sequence.Finished is not null)
            return;
        var distribution = request.Request.TopLogprobs is { } top && sequence.Reply.InAnswerBlock
            ? Logprobs.Capture(sequence.Conversation.Sample(), _weights.NativeHandle.Vocab, top)
            : null;
        var token = sequence.Sample();
        var logprob = distribution?.For(token);
        sequence.Generated++;
        if (token.IsEndOfGeneration(_weights.NativeHandle.Vocab))
        {
            Finish(request, sequence, FinishReason.Stop, endedNaturally: true);
            return;
        }

        var events = new List<ModeEvent>();
        sequence.Reply.OnToken(sequence.Decode(token), events);
        sequence.Next = [token];
        if (!sequence.Reply.IsComplete && sequence.Reply.InReasoning && sequence.Reply.ThinkTokens >= request.Request.MaxReasoningTokens)
        {
            // The reasoning budget is spent: close it in the sequence itself so the model goes on with its answer.
            sequence.Reply.Inject(_budgetClosingText, events);
            sequence.Next = [token, .. _budgetClosing];
            sequence.ReasoningTruncated = true;
        }
        PublishEvents(request, sequence, events, logprob);

        if (sequence.Reply.IsComplete)
            Finish(request, sequence, FinishReason.Stop, endedNaturally: true);
        else if (sequence.Generated >= request.MaxTokens)
            Finish(request, sequence, FinishReason.Length, endedNaturally: false);
    }

    private static void PublishEvents(ActiveRequest request, Sequence sequence, List<ModeEvent> events, TokenLogprob? logprob)
    {
        foreach (var e in events)
        {
            request.Publish(new ReplyUpdate(sequence.Index, e, e.Kind == ModeEventKind.Answer && logprob is not null ? [logprob] : null));
            if (e.Kind == ModeEventKind.Answer)
                logprob = null;
        }
    }

    private static void Finish(ActiveRequest request, Sequence sequence, FinishReason reason, bool endedNaturally, string? error = null)
    {
        var events = new List<ModeEvent>();
        sequence.Reply.Finish(endedNaturally, events);
        PublishEvents(request, sequence, events, null);
        sequence.Finished = reason;
        request.Publish(new ChoiceFinished(sequence.Index, reason, sequence.Summary, error));
    }

    /// <summary>Ends a request whose choices all finished: reports usage, keeps its KV for prefix reuse and frees its slots.</summary>
    private void Complete(ActiveRequest request)
    {
        var now = Stopwatch.GetTimestamp();
        var prefilledAt = request.PrefilledAt == 0 ? now : request.PrefilledAt;
        request.Publish(new GenerationCompleted(new GenerationUsage(
            request.PromptTokens.Length,
            request.CachedTokens,
            request.Sequences.Sum(s => s.Generated),
            request.Sequences.Sum(s => s.Reply.ReasoningTokens),
            Stopwatch.GetElapsedTime(request.EnqueuedAt, request.AdmittedAt),
            Stopwatch.GetElapsedTime(request.AdmittedAt, prefilledAt),
            Stopwatch.GetElapsedTime(prefilledAt, now))));
        Release(request, keepCache: true);
    }

    private void Fail(ActiveRequest request, string message)
    {
        request.Admitted.TrySetException(new ServerBusyException(message, "engine_error", TimeSpan.FromSeconds(1)));
        foreach (var sequence in request.Sequences.Where(s => s.Finished is null))
        {
            sequence.Finished = FinishReason.Error;
            request.Publish(new ChoiceFinished(sequence.Index, FinishReason.Error, sequence.Summary, message));
        }
        if (_pending.Remove(request))
        {
            Interlocked.Decrement(ref _waiting);
            request.Updates.Writer.TryComplete();
            return;
        }
        Release(request, keepCache: false);
    }

    private void Release(ActiveRequest request, bool keepCache)
    {
        request.Updates.Writer.TryComplete();
        _active.Remove(request);
        _reservedCells -= request.Reservation;
        _runningSequences -= request.Request.Choices;
        foreach (var sequence in request.Sequences)
        {
            sequence.Dispose();
            if (keepCache && sequence.Index == 0 && !sequence.Conversation.IsDisposed)
                _cache.Add(sequence.Conversation, sequence.KvTokens);
            else
                sequence.Conversation.Dispose();
        }
    }

    private void Publish()
    {
        var context = _executor.Context.NativeHandle;
        var used = 0;
        for (var id = 0; id <= _maxSequenceId; id++)
        {
            var max = context.MemorySequenceMaxPosition((LLamaSeqId)id).Value;
            if (max >= 0)
                used += max - context.MemorySequenceMinPosition((LLamaSeqId)id).Value + 1;
        }
        Volatile.Write(ref _snapshot, new SchedulerSnapshot(
            _active.Count,
            _active.Sum(r => r.Sequences.Count(s => s.Finished is null)),
            _pending.Count,
            _cache.Count,
            used,
            _cache.Cells,
            _contextSize,
            _steps));
    }
}
