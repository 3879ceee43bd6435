using System.Diagnostics;
using System.Text;
using HiPO.Inference.Prompting;
using HiPO.Inference.Sampling;
using HiPO.Inference.Scheduling;
using LLama;
using LLama.Common;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace HiPO.Inference.Hosting;

/// <summary>Where the engine is in its life.</summary>
public enum EngineState { Loading, Ready, Recovering, Failed, Draining, Stopped }

/// <summary>
/// The inference engine as the API layer sees it: loads one GGUF (in the background, with progress),
/// then serves generation requests through the <see cref="BatchScheduler"/>.
/// </summary>
public sealed class HipoEngine(ModelOptions model, InferenceOptions inference, ReasoningOptions reasoning, AdaptiveThinkingOptions adaptive, ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<HipoEngine>();
    private LLamaWeights? _weights;
    private BatchScheduler? _scheduler;

    private EngineState _state = EngineState.Loading;
    private string? _failureReason;

    /// <summary>Where the engine is; <see cref="EngineState.Recovering"/> while the decode loop rebuilds its context after a failure.</summary>
    public EngineState State
    {
        get => _state == EngineState.Ready && _scheduler?.Fault is not null ? EngineState.Recovering : _state;
        private set => _state = value;
    }

    public string? FailureReason => _state == EngineState.Ready ? _scheduler?.Fault : _failureReason;

    /// <summary>Sampling settings for request fields left unset: the model's recommendation, else HiPO's (see <see cref="SamplingDefaults"/>).</summary>
    public SamplingDefaults SamplingDefaults { get; private set; } = SamplingDefaults.Fallback;

    /// <summary>Raised when the engine can no longer serve (the decode loop gave up): the host should exit so that it is restarted.</summary>
    public event Action<string>? Faulted;

    /// <summary>Fraction of the model loaded, 0 to 1.</summary>
    public float LoadProgress { get; private set; }

    /// <summary>The id clients use for this model: configured, else the GGUF's <c>general.name</c>, else the file name.</summary>
    public string ModelId { get; set; } = model.Id ?? (model.Demo ? DemoModel.Id : Path.GetFileNameWithoutExtension(model.Path ?? "model"));

    public DateTimeOffset Created { get; } = DateTimeOffset.UtcNow;

    /// <summary>The reasoning format in force: the configured one until <see cref="LoadAsync"/> settles it for the model.</summary>
    public EffectiveReasoning Reasoning => Renderer.Reasoning;

    /// <summary>Renders prompts in the <see cref="Reasoning"/> format in force; replaced, with it, by <see cref="LoadAsync"/>.</summary>
    public HipoPromptRenderer Renderer { get; private set; } = new(new EffectiveReasoning(reasoning));

    /// <summary>Load-adaptive thinking: the decode loop moves its pressure level, request mapping asks it for each request's mode.</summary>
    public AdaptiveThinking Adaptive { get; } = new(adaptive, TimeProvider.System);

    public BatchScheduler Scheduler => _scheduler ?? throw new InvalidOperationException("The model is not loaded.");

    /// <summary>Tokens in the model's vocabulary (valid ids are 0 to this minus one).</summary>
    public int VocabularySize => _weights?.NativeHandle.Vocab.Count ?? 0;

    public SchedulerSnapshot Snapshot => _scheduler?.Snapshot ?? SchedulerSnapshot.Empty;

    private LLamaWeights Weights => _weights ?? throw new InvalidOperationException("The model is not loaded.");

    /// <summary>
    /// Tokenizes text as llama-server's <c>/tokenize</c> does: <paramref name="addSpecial"/> adds the BOS token where the
    /// model wants one; <paramref name="parseSpecial"/> turns control-token spellings such as <c>&lt;|im_end|&gt;</c> into those tokens.
    /// </summary>
    public int[] Tokenize(string text, bool addSpecial, bool parseSpecial) =>
        text.Length == 0 && !addSpecial ? [] : [.. Weights.Tokenize(text, addSpecial, parseSpecial, Encoding.UTF8).Select(t => (int)t)];

    /// <summary>The bytes a token stands for, control tokens spelled out; a byte token may hold only part of a UTF-8 character.</summary>
    public byte[] TokenBytes(int token)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(token);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(token, VocabularySize);
        Span<byte> buffer = stackalloc byte[64];
        var size = (int)Weights.NativeHandle.TokenToSpan((LLamaToken)token, buffer, special: true);
        if (size <= buffer.Length)
            return buffer[..size].ToArray();
        var large = new byte[size];
        Weights.NativeHandle.TokenToSpan((LLamaToken)token, large, special: true);
        return large;
    }

    /// <summary>The text of a token sequence, control tokens spelled out; bytes that form no UTF-8 character become U+FFFD.</summary>
    public string Detokenize(IEnumerable<int> tokens) => Encoding.UTF8.GetString([.. tokens.SelectMany(TokenBytes)]);

    /// <summary>The GGUF file to load: the configured one, or the generated demo model. Throws <see cref="ModelFileException"/> when unusable.</summary>
    public string ResolveModelPath()
    {
        var path = model.Demo ? DemoModel.EnsureWritten() : model.Path;
        ModelFile.Validate(path);
        return path!;
    }

    /// <summary>Configures the native library; call before anything else touches llama.cpp (a download's quantizer, say).</summary>
    public void ConfigureNative() => NativeBackend.Configure(model, loggers.CreateLogger("HiPO.Inference.Native"));

    /// <summary>
    /// Loads <paramref name="path"/> (the configured model, see <see cref="ResolveModelPath"/>, or a GGUF fetched from the
    /// hub) and serves it with the reasoning format <paramref name="effective"/>.
    /// </summary>
    public async Task LoadAsync(string path, EffectiveReasoning effective, CancellationToken cancellation)
    {
        try
        {
            // A hub path was not checked yet: a cached download is used as it is.
            ModelFile.Validate(path);
            ConfigureNative();
            var parameters = CreateParameters(path, model, inference);
            var started = Stopwatch.GetTimestamp();
            var lastLogged = -1;
            var progress = new Progress<float>(p =>
            {
                LoadProgress = p;
                var tenth = (int)(p * 10);
                if (tenth > lastLogged)
                {
                    lastLogged = tenth;
                    _logger.LogInformation("Loading model {Path}: {Percent:0}%", path, p * 100);
                }
            });
            _weights = await LLamaWeights.LoadFromFileAsync(parameters, cancellation, progress).ConfigureAwait(false);
            if (model.Id is null && _weights.Metadata.TryGetValue("general.name", out var name) && !string.IsNullOrWhiteSpace(name))
                ModelId = name;
            var devices = NativeBackend.Devices();
            _logger.LogInformation(
                "Native backend {Library}; devices {Devices}; GPU offload {Gpu}",
                NativeBackend.LoadedLibrary ?? "(unknown)", string.Join(", ", devices), NativeBackend.SupportsGpuOffload);
            if (model.RequireGpu && !devices.Any(d => !d.StartsWith("CPU", StringComparison.OrdinalIgnoreCase)))
                throw new InvalidOperationException(
                    $"Model:RequireGpu is set but no GPU backend loaded (devices: {string.Join(", ", devices)}; library: {NativeBackend.LoadedLibrary}). " +
                    "Check the CUDA runtime libraries and Model:NativeLibraryPath.");
            var (defaults, fromModel) = SamplingDefaults.FromMetadata(_weights.Metadata);
            SamplingDefaults = defaults;
            _logger.LogInformation("Sampling defaults: {Defaults} ({Source})", defaults,
                fromModel.Count > 0 ? "from the GGUF's " + string.Join(", ", fromModel) + "; the rest HiPO's" : "HiPO's; the GGUF has no general.sampling.* keys");
            if (adaptive.Enabled)
                _logger.LogInformation("Load-adaptive thinking on: {Policy}", adaptive);
            var tokenizer = new PromptTokenizer(_weights);
            Renderer = new HipoPromptRenderer(effective);
            _scheduler = new BatchScheduler(_weights, parameters, inference, Reasoning, tokenizer, loggers.CreateLogger<BatchScheduler>(), Adaptive);
            _scheduler.Failed += reason =>
            {
                Fail(reason);
                Faulted?.Invoke(reason);
            };
            State = EngineState.Ready;
            _logger.LogInformation(
                "Model {ModelId} ready in {Seconds:0.0} s: context {Context} tokens, {Parallel} parallel sequences, batch {Batch}, {Threads} threads",
                ModelId, Stopwatch.GetElapsedTime(started).TotalSeconds, _scheduler.ContextSize, inference.MaxParallel, model.BatchSize, model.EffectiveThreads);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Fail(e.Message);
            throw;
        }
    }

    /// <summary>Marks the engine as unable to serve (e.g. the model could not be fetched); readiness reports the reason.</summary>
    public void Fail(string reason)
    {
        _failureReason = reason;
        State = EngineState.Failed;
    }

    /// <summary>
    /// The native parameters for <paramref name="path"/> under these settings: the model load and the decode context alike.
    /// Public so that the benchmark's raw engine runs the same native configuration as the server it is compared with.
    /// </summary>
    public static ModelParams CreateParameters(string path, ModelOptions model, InferenceOptions inference) => new(path)
    {
        ContextSize = (uint)model.ContextSize,
        BatchSize = (uint)model.BatchSize,
        UBatchSize = (uint)Math.Min(model.BatchSize, 512),
        Threads = model.EffectiveThreads,
        BatchThreads = model.EffectiveThreads,
        GpuLayerCount = model.GpuLayers < 0 ? 999 : model.GpuLayers,
        MainGpu = model.MainGpu,
        SplitMode = Enum.Parse<GPUSplitMode>(model.SplitMode, ignoreCase: true),
        FlashAttention = model.FlashAttention,
        TypeK = ParseCacheType(model.KvCacheType),
        TypeV = ParseCacheType(model.KvCacheType),
        KVUnified = true,
        SeqMax = (uint)Math.Min(256, inference.MaxParallel + inference.CachedSequences + 1),
        LoadMode = LLamaLoadMode.MemoryMap,
    };

    private static GGMLType ParseCacheType(string type) => Enum.Parse<GGMLType>("GGML_TYPE_" + type.ToUpperInvariant());

    /// <summary>Shutdown has begun: refuse new requests (readiness turns 503) while running ones finish within <paramref name="drain"/>.</summary>
    public void BeginDrain(TimeSpan drain)
    {
        if (State == EngineState.Ready)
            State = EngineState.Draining;
        _scheduler?.BeginStop(drain);
    }

    public async Task StopAsync(TimeSpan drain)
    {
        if (_scheduler is not null)
            await _scheduler.StopAsync(drain).ConfigureAwait(false);
        State = EngineState.Stopped;
    }

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null)
            await _scheduler.DisposeAsync().ConfigureAwait(false);
        _weights?.Dispose();
        State = EngineState.Stopped;
    }
}
