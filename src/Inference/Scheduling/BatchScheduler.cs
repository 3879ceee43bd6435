using System.Diagnostics;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using HiPO.Inference.Sampling;
using HiPO.ModeParsing;
using LLama;
using LLama.Abstractions;
using LLama.Batched;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace HiPO.Inference.Scheduling;

/// <summary>
/// The one decode loop. A dedicated thread owns the <see cref="BatchedExecutor"/> (and so the native context);
/// requests reach it through the <see cref="RequestQueue"/> and get their updates back through their own channel.
/// Each step feeds one token of every generating sequence together with a chunk of admitted prompts
/// (<see cref="StepPlan"/>), decodes, samples every sequence that step produced logits for in parallel
/// (<see cref="StepSampler"/>), and moves each reply on. A failed decode fails only the sequences of that step; an
/// unexpected exception fails the running requests and rebuilds the context; the loop itself never dies silently.
/// </summary>
public sealed class BatchScheduler : IAsyncDisposable
{
    /// <summary>Recoveries within <see cref="RecoveryWindow"/> after which the loop gives up and the engine reports failure.</summary>
    private const int MaxRecoveries = 3;
    private static readonly TimeSpan RecoveryWindow = TimeSpan.FromMinutes(1);

    private readonly LLamaWeights _weights;
    private readonly IContextParams _contextParams;
    private readonly InferenceOptions _options;
    private readonly PromptTokenizer _tokenizer;
    private readonly ILogger _logger;
    private readonly int _contextSize;
    private readonly int _batchSize;
    private readonly BudgetClosing _budgetClosing;
    private readonly int[] _endOfGeneration;
    private readonly bool[] _endsGeneration;
    private readonly AdaptiveThinking _adaptive;

    private readonly RequestQueue _queue;
    private readonly KvLedger _ledger;
    private readonly ManualResetEventSlim _wake = new(false);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly StepTimings _timings = new(8192);

    // Loop-thread state.
    private readonly List<ActiveRequest> _active = [];
    private readonly PrefixCache _cache;
    private readonly StepPlan _plan = new();
    private readonly StepSampler _sampler;
    private readonly Queue<long> _recoveries = new();
    private BatchedExecutor _executor;
    private long _steps;
    private int _maxSequenceId;

    // Shared with request threads.
    private volatile bool _stopping;
    private volatile string? _fault;
    private long _drainDeadline = long.MaxValue;
    private SchedulerSnapshot _snapshot = SchedulerSnapshot.Empty;

    public BatchScheduler(LLamaWeights weights, IContextParams contextParams, InferenceOptions options, EffectiveReasoning reasoning, PromptTokenizer tokenizer, ILogger logger, AdaptiveThinking adaptive)
    {
        _adaptive = adaptive;
        _weights = weights;
        _contextParams = contextParams;
        _options = options;
        _tokenizer = tokenizer;
        _logger = logger;
        _executor = new BatchedExecutor(weights, contextParams);
        _contextSize = (int)_executor.Context.ContextSize;
        _batchSize = (int)_executor.Context.BatchSize;
        _budgetClosing = new BudgetClosing(reasoning.BudgetClosing, tokenizer.Tokenize(reasoning.BudgetClosing, special: true));
        _queue = new RequestQueue(options.MaxQueue, options.MaxParallel, options.QueueTimeoutSeconds);
        _ledger = new KvLedger(_contextSize, options.MaxParallel);
        _cache = new PrefixCache(options.CachedSequences);
        _sampler = new StepSampler(weights, _budgetClosing);
        var vocab = weights.NativeHandle.Vocab;
        _endOfGeneration = [.. Enumerable.Range(0, vocab.Count).Where(id => ((LLamaToken)id).IsEndOfGeneration(vocab))];
        _endsGeneration = new bool[vocab.Count];
        foreach (var id in _endOfGeneration)
            _endsGeneration[id] = true;
        _thread = new Thread(Run) { IsBackground = true, Name = "hipo-decode-loop" };
        _thread.Start();
    }

    public int ContextSize => _contextSize;

    public SchedulerSnapshot Snapshot => Volatile.Read(ref _snapshot);

    /// <summary>Why the loop cannot serve now (it is rebuilding after a failure, or gave up); null while it serves.</summary>
    public string? Fault => _fault;

    /// <summary>Raised (on the loop thread) when the loop gave up after repeated failures: the process should be restarted.</summary>
    public event Action<string>? Failed;

    /// <summary>The loop's most recent steps: host time outside the decode and sequences sampled (benchmarks, diagnostics).</summary>
    public IReadOnlyList<StepTiming> RecentSteps() => _timings.Recent();

    public void ClearStepTimings() => _timings.Clear();

    /// <summary>Test hooks: fail a decode at a chosen step, throw inside the loop, or fail one sequence's sampling.</summary>
    internal Func<long, DecodeResult?>? DecodeFault { get; set; }

    internal Action<long>? LoopFault { get; set; }

    internal Action<int>? SampleFault { set => _sampler.Fault = value; }

    /// <summary>Requests submitted and not yet admitted, counted as they arrive (unlike the snapshot, which the loop publishes).</summary>
    internal int Waiting => _queue.Waiting;

    public LLamaToken[] Tokenize(RenderedPrompt prompt) => _tokenizer.Tokenize(prompt);

    /// <summary>
    /// Queues a request. Throws <see cref="ContextLengthExceededException"/> or <see cref="TooManyChoicesException"/> when
    /// it can never run, <see cref="GrammarRejectedException"/> when llama.cpp refuses its grammar, and
    /// <see cref="ServerBusyException"/> when the queue is full, the server is stopping or the engine failed.
    /// </summary>
    public GenerationStream Submit(GenerationRequest request, CancellationToken cancellation)
    {
        if (request.Choices > _options.MaxParallel)
            throw new TooManyChoicesException($"n = {request.Choices} exceeds the {_options.MaxParallel} sequences this server decodes at once.");
        var prompt = _tokenizer.Tokenize(request.Prompt);
        var closing = request.MaxReasoningTokens is null ? 0 : _budgetClosing.Tokens.Length;
        var maxTokens = Plan(request, prompt.Length, closing);
        var reservation = prompt.Length + request.Choices * (maxTokens + closing);
        if (reservation > _contextSize)
            throw new ContextLengthExceededException(
                $"This model's maximum context length is {_contextSize} tokens. However, you requested {reservation} tokens " +
                $"({prompt.Length} in the prompt, {maxTokens + closing} for each of {request.Choices} choices). Please reduce the prompt, max_tokens or n.", RequestPart.Choices);
        if (_stopping)
            throw new ServerBusyException("The server is shutting down.", BusyReason.ShuttingDown, TimeSpan.FromSeconds(5));
        if (_fault is { } fault)
            throw new ServerBusyException($"The inference engine is unavailable: {fault}", BusyReason.EngineFailed, TimeSpan.FromSeconds(5));

        var active = new ActiveRequest(request, prompt, maxTokens, reservation, CompileGrammars(request), cancellation);
        if (!_queue.TryOffer(active, _ledger.RunningSequences))
        {
            active.DisposeGrammars();
            throw new ServerBusyException(
                $"The server is at capacity ({_options.MaxParallel} running, {_options.MaxQueue} queued). Retry later.",
                BusyReason.QueueFull, TimeSpan.FromSeconds(2));
        }
        cancellation.UnsafeRegister(static state => ((ManualResetEventSlim)state!).Set(), _wake);
        _wake.Set();
        return new GenerationStream(active.Admitted.Task, active.Updates.Reader);
    }

    /// <summary>
    /// One answer grammar per choice, compiled here on the request's thread: a large schema's grammar takes time to
    /// build, which must not stall the decode loop, and one llama.cpp refuses is refused before the request is queued.
    /// </summary>
    private List<GrammarConstraint> CompileGrammars(GenerationRequest request)
    {
        var grammars = new List<GrammarConstraint>();
        if (request.AnswerGrammar is not { } gbnf)
            return grammars;
        try
        {
            for (var choice = 0; choice < request.Choices; choice++)
                grammars.Add(GrammarConstraint.Create(_weights.NativeHandle, gbnf));
            return grammars;
        }
        catch
        {
            grammars.ForEach(g => g.Dispose());
            throw;
        }
    }

    private int Plan(GenerationRequest request, int promptTokens, int closing)
    {
        if (promptTokens == 0)
            throw new ArgumentException("The prompt is empty.");
        if (promptTokens >= _contextSize)
            throw new ContextLengthExceededException(
                $"This model's maximum context length is {_contextSize} tokens. However, your prompt has {promptTokens} tokens. Please shorten it.", RequestPart.Prompt);
        var choices = Math.Max(1, request.Choices);
        if (request.MaxTokens is { } max)
        {
            if (promptTokens + max > _contextSize)
                throw new ContextLengthExceededException(
                    $"This model's maximum context length is {_contextSize} tokens. However, you requested {promptTokens + max} tokens " +
                    $"({promptTokens} in the prompt, {max} in the completion). Please reduce the prompt or max_tokens.", RequestPart.MaxTokens);
            // The budget's closing tokens take cells too. Where max_tokens leaves no room for them (a client that asked for the
            // rest of the context), they come out of max_tokens instead of refusing a request that fits: the reply may end
            // with length that many tokens early.
            return max > closing && max + closing > (_contextSize - promptTokens) / choices ? max - closing : max;
        }
        // Like llama-server's slots: by default a request may fill its share of the context, or what is left when its prompt is
        // larger, split between its choices, less the budget's closing tokens, which the scheduler may inject into each.
        var share = _contextSize / _options.MaxParallel - promptTokens;
        return Math.Max(1, (share > 0 ? share : _contextSize - promptTokens) / choices - closing);
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
                try
                {
                    if (!Iterate())
                        return;
                }
                catch (Exception e)
                {
                    if (!Recover(e))
                        throw;
                }
            }
        }
        catch (Exception e)
        {
            _fault = $"the decode loop failed repeatedly and stopped ({e.Message}); restart the server";
            _logger.LogCritical(e, "The decode loop failed more than {Count} times within {Window}; it stops and the engine reports failure", MaxRecoveries, RecoveryWindow);
            Failed?.Invoke(_fault);
        }
        finally
        {
            ShutDown();
        }
    }

    /// <summary>Ends every request still held and frees the context; must not throw (it runs on the loop thread's way out).</summary>
    private void ShutDown()
    {
        try
        {
            _queue.RefuseAll(_fault is { } fault
                ? new ServerBusyException($"The inference engine failed: {fault}", BusyReason.EngineFailed, TimeSpan.FromSeconds(5))
                : new ServerBusyException("The server stopped.", BusyReason.ShuttingDown, TimeSpan.FromSeconds(5)));
            foreach (var request in _active.ToList())
                Fail(request, request.Sequences, "The server stopped before this reply finished.");
            _cache.Dispose();
            Publish();
            _executor.Dispose();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Cleaning up the decode loop failed");
        }
        finally
        {
            _stopped.TrySetResult();
        }
    }

    /// <summary>One turn of the loop: take new requests, drop the ones that left, admit what fits, run one step. False when the loop is done.</summary>
    private bool Iterate()
    {
        var started = Stopwatch.GetTimestamp();
        _wake.Reset();
        _queue.TakeIncoming();
        _queue.Expire(_stopping);
        ReapCancelled();
        Admit();
        Publish();
        if (_active.Count == 0)
        {
            if (_stopping && _queue.Count == 0)
                return false;
            _wake.Wait(TimeSpan.FromMilliseconds(250));
            return true;
        }
        LoopFault?.Invoke(_steps);
        var (decode, sampled) = Step();
        // Everything the loop thread did this turn but the native decode: the server's own cost per step.
        var total = Stopwatch.GetElapsedTime(started);
        _timings.Record(new StepTiming((total - decode).TotalMicroseconds, decode.TotalMicroseconds, sampled));
        return true;
    }

    private void ReapCancelled()
    {
        var drainOver = _stopping && Stopwatch.GetTimestamp() > Interlocked.Read(ref _drainDeadline);
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var request = _active[i];
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

    /// <summary>
    /// Admits queued requests in order while slots and KV cells allow. A prompt's longest shared prefix is forked from
    /// a cached sequence or from a running request (its cells shared, not recomputed); when a running request is still
    /// prefilling that prefix, the next request waits for it rather than prefilling it a second time.
    /// </summary>
    private void Admit()
    {
        while (_queue.First is { } request)
        {
            if (!_ledger.HasSlotsFor(request.Request.Choices) || !_ledger.Fits(request.Reservation, cachedCells: 0))
                return;
            var prompt = request.PromptTokens;
            // Keep at least one prompt token to decode: its logits start the reply.
            var wanted = prompt.AsSpan(0, prompt.Length - 1);
            var cached = _cache.FindLongestPrefix(wanted, _options.MinCachedPrefix);
            var running = LongestRunningPrefix(wanted);
            Conversation? donor = cached?.Entry.Conversation;
            var shared = cached?.Shared ?? 0;
            if (running is { Main: var main, Shared: var inFlight } && inFlight > shared)
            {
                if (main.KvTokens.Count < inFlight)
                    return;
                (donor, shared) = (main.Conversation, inFlight);
            }

            _queue.RemoveFirst();
            var conversation = donor?.Fork() ?? _executor.Create();
            if (donor is not null)
                conversation.Rewind(conversation.TokenCount - shared);
            List<LLamaToken> kvTokens = [.. prompt.AsSpan(0, shared)];
            // Only now, with the prefix forked, may cached sequences go to make room (the forked cells stay).
            while (!_ledger.Fits(request.Reservation, _cache.Cells) && _cache.EvictOldest())
            {
            }
            _maxSequenceId = Math.Max(_maxSequenceId, (int)conversation.ConversationId);
            request.Prefilled = request.CachedTokens = kvTokens.Count;
            request.Sequences.Add(new Sequence(0, conversation, kvTokens, request.Request, request.TakeGrammar(), _weights, _endOfGeneration, _endsGeneration));
            request.AdmittedAt = Stopwatch.GetTimestamp();
            _active.Add(request);
            _ledger.Reserve(request);
            request.Admitted.TrySetResult(request.CachedTokens);
        }
    }

    /// <summary>The running request whose prompt shares the longest prefix with <paramref name="prompt"/> (at least the minimum), and its first sequence.</summary>
    private (Sequence Main, int Shared)? LongestRunningPrefix(ReadOnlySpan<LLamaToken> prompt)
    {
        (Sequence Main, int Shared)? best = null;
        foreach (var other in _active)
        {
            if (other.Sequences.Count == 0 || other.Sequences[0].Finished is not null)
                continue;
            var shared = prompt.CommonPrefixLength(other.PromptTokens);
            if (shared >= _options.MinCachedPrefix && shared > (best?.Shared ?? 0))
                best = (other.Sequences[0], shared);
        }
        return best;
    }

    /// <summary>One decode step: plan the batch, decode, start the replies whose prompt completed, sample, advance. Returns the decode's time and the sequences sampled.</summary>
    private (TimeSpan Decode, int Sampled) Step()
    {
        _plan.Build(_active, _batchSize, _options.PrefillChunk);
        var decodeStarted = Stopwatch.GetTimestamp();
        var decoded = Decode();
        var decode = Stopwatch.GetElapsedTime(decodeStarted);
        if (!decoded)
            return (decode, 0);
        _steps++;

        foreach (var request in _plan.PrefillDone)
            StartChoices(request);
        var failures = _sampler.PickAll(_plan.ToSample, _executor.Context.NativeHandle);
        for (var i = 0; i < failures.Length; i++)
        {
            var (request, sequence) = _plan.ToSample[i];
            if (failures[i] is { } error)
            {
                _logger.LogError(error, "Sampling failed for choice {Choice}; that choice ends with an error", sequence.Index);
                Finish(request, sequence, FinishReason.Error, endedNaturally: false, "The server failed to sample this reply's next token.");
            }
            else if (sequence.Finished is null)
            {
                PublishEvents(request, sequence, sequence.Events, sequence.Logprob);
                if (sequence.Ending is { } ending)
                    End(request, sequence, ending);
            }
        }
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            if (_active[i].IsFinished)
                Complete(_active[i]);
        }
        return (decode, failures.Length);
    }

    /// <summary>A prompt is in the KV cache: fork it for every further choice and start each reply.</summary>
    private void StartChoices(ActiveRequest request)
    {
        request.PrefilledAt = Stopwatch.GetTimestamp();
        var main = request.Sequences[0];
        for (var index = 1; index < request.Request.Choices; index++)
        {
            var fork = main.Conversation.Fork();
            _maxSequenceId = Math.Max(_maxSequenceId, (int)fork.ConversationId);
            request.Sequences.Add(new Sequence(index, fork, [.. main.KvTokens], request.Request, request.TakeGrammar(), _weights, _endOfGeneration, _endsGeneration));
        }
        foreach (var sequence in request.Sequences)
        {
            var events = new List<ModeEvent>();
            sequence.Reply.Start(events);
            PublishEvents(request, sequence, events, null);
            _plan.ToSample.Add((request, sequence));
        }
    }

    /// <summary>
    /// Decodes the planned batch; on a full KV cache frees cached prefixes and retries. When the engine fails, only the
    /// sequences fed in this step fail; the context is rebuilt and every other sequence carries on. False when the step was abandoned.
    /// </summary>
    private bool Decode()
    {
        Exception? failure;
        try
        {
            while (true)
            {
                var result = DecodeFault?.Invoke(_steps) ?? _executor.Infer().GetAwaiter().GetResult();
                if (result == DecodeResult.Ok)
                    return true;
                if (result == DecodeResult.NoKvSlot && _cache.EvictOldest())
                    continue;
                failure = new InvalidOperationException($"llama_decode failed: {result}");
                break;
            }
        }
        catch (Exception e)
        {
            failure = e;
        }

        _logger.LogError(failure, "Decoding failed; failing the {Count} sequences of this step and rebuilding the context", _plan.Fed.Count);
        foreach (var request in _active.ToList())
        {
            var failed = request.Sequences.Where(_plan.Fed.Contains).ToList();
            if (failed.Count > 0)
                Fail(request, failed, "The inference engine failed while decoding this request.");
        }
        RebuildContext();
        return false;
    }

    /// <summary>
    /// An exception escaped a step: the requests in flight fail (their state may be half-updated), readiness reports the
    /// fault while a fresh context is built, queued requests wait and are then served. False (give up) when this keeps happening.
    /// </summary>
    private bool Recover(Exception error)
    {
        var now = Stopwatch.GetTimestamp();
        _recoveries.Enqueue(now);
        while (Stopwatch.GetElapsedTime(_recoveries.Peek(), now) > RecoveryWindow)
            _recoveries.Dequeue();
        if (_recoveries.Count > MaxRecoveries)
            return false;

        _fault = $"the decode loop failed ({error.GetType().Name}: {error.Message}) and is rebuilding its context";
        _logger.LogError(error, "The decode loop failed; failing {Count} running requests and rebuilding the context", _active.Count);
        Publish();
        foreach (var request in _active.ToList())
            Fail(request, request.Sequences, "The inference engine failed while running this request.");
        RebuildContext();
        _fault = null;
        return true;
    }

    /// <summary>
    /// A fresh context after a failure. The executor cannot give back a batch it failed on, so it goes, with the prefix
    /// cache; sequences still running move to new conversations and decode what they held again (a request still in
    /// its prompt starts the prompt over), so their replies go on unchanged.
    /// </summary>
    private void RebuildContext()
    {
        var running = _active.SelectMany(r => r.Sequences.Select(s => (Request: r, Sequence: s))).ToList();
        foreach (var (_, sequence) in running)
            sequence.Conversation.Dispose();
        _cache.Dispose();
        _executor.Dispose();
        _executor = new BatchedExecutor(_weights, _contextParams);
        _maxSequenceId = 0;
        foreach (var (request, sequence) in running.Where(r => r.Sequence.Finished is null))
        {
            var conversation = _executor.Create();
            _maxSequenceId = Math.Max(_maxSequenceId, (int)conversation.ConversationId);
            sequence.Rehome(conversation);
            if (request.IsPrefilling)
            {
                request.Prefilled = request.CachedTokens = 0;
                sequence.Next = [];
            }
        }
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
        End(request, sequence, reason, error);
    }

    /// <summary>Marks <paramref name="sequence"/> finished and tells the client why.</summary>
    private static void End(ActiveRequest request, Sequence sequence, FinishReason reason, string? error = null)
    {
        sequence.Finished = reason;
        request.Publish(new ChoiceFinished(sequence.Index, reason, sequence.Summary, error));
    }

    /// <summary>Ends a request whose choices all finished: reports usage, keeps its KV for prefix reuse and frees its slots.</summary>
    private void Complete(ActiveRequest request, bool keepCache = true)
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
        Release(request, keepCache);
    }

    /// <summary>Ends <paramref name="sequences"/> of a running request with an error; the request completes when none is left running.</summary>
    private void Fail(ActiveRequest request, IEnumerable<Sequence> sequences, string message)
    {
        foreach (var sequence in sequences.Where(s => s.Finished is null).ToList())
            End(request, sequence, FinishReason.Error, message);
        if (request.IsFinished)
            Complete(request, keepCache: false);
    }

    private void Release(ActiveRequest request, bool keepCache)
    {
        request.Updates.Writer.TryComplete();
        request.DisposeGrammars();
        _active.Remove(request);
        _ledger.Release(request);
        foreach (var sequence in request.Sequences)
        {
            sequence.Dispose();
            if (keepCache && sequence.Index == 0 && !sequence.Conversation.IsDisposed && sequence.Finished != FinishReason.Error)
                _cache.Add(sequence.Conversation, sequence.KvTokens);
            else if (!sequence.Conversation.IsDisposed)
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
        var snapshot = new SchedulerSnapshot(
            _active.Count,
            _active.Sum(r => r.Sequences.Count(s => s.Finished is null)),
            _queue.Count,
            _cache.Count,
            used,
            _cache.Cells,
            _contextSize,
            _queue.First is { } oldest ? Stopwatch.GetElapsedTime(oldest.EnqueuedAt) : TimeSpan.Zero);
        Volatile.Write(ref _snapshot, snapshot);
        _adaptive.Observe(snapshot);
    }
}
