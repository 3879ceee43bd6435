using HiPO.Inference.Hosting;
using HiPO.ModelHub;

namespace HiPO.Server.Hosting;

/// <summary>
/// Gets the model after the host has started (so health endpoints answer meanwhile): fetches and converts an
/// <c>hf:</c> reference, loads it with the effective reasoning format (the checkpoint's own generation prompt where it
/// opens the judge block and the configuration sets none), and drains the scheduler on shutdown. A model that cannot be served stops the server with exit code 1.
/// </summary>
public sealed class ModelLoader(
    HipoEngine engine,
    ModelOptions model,
    InferenceOptions options,
    ReasoningOptions reasoning,
    ModelResolver resolver,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<ModelLoader> logger) : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Readiness turns 503 as soon as shutdown begins, before the drain.
        lifetime.ApplicationStopping.Register(() => engine.BeginDrain(TimeSpan.FromSeconds(options.DrainTimeoutSeconds)));
        // A decode loop that gave up cannot be trusted to recover in-process: exit non-zero so the orchestrator restarts us.
        engine.Faulted += reason =>
        {
            logger.LogCritical("The inference engine failed and cannot serve: {Reason}; stopping with exit code 1", reason);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        };
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            string? path = null;
            if (!model.Demo && model.Path is { } configured && ModelResolver.IsHubReference(configured))
            {
                engine.ConfigureNative();
                path = await resolver.ResolveAsync(configured, stoppingToken);
            }
            path ??= engine.ResolveModelPath();
            await engine.LoadAsync(path, new EffectiveReasoning(reasoning, ModelGenerationPrefix(path)), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            engine.Fail(e.Message);
            logger.LogCritical("Cannot serve the model: {Reason}", e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    /// <summary>The checkpoint's own generation prompt where it opens the judge block and the configuration sets none; else null.</summary>
    private string? ModelGenerationPrefix(string path)
    {
        var facts = ChatTemplateInspector.InspectModel(path);
        logger.LogInformation("Chat template: {Template}", facts.Describe());
        var configured = configuration[$"{ReasoningOptions.Section}:{nameof(ReasoningOptions.GenerationPrefix)}"] is not null;
        if (facts.OpensJudge && !configured && facts.GenerationPrompt != reasoning.GenerationPrefix)
        {
            logger.LogInformation("Using the checkpoint's generation prompt {Prefix}", facts.GenerationPrompt);
            return facts.GenerationPrompt;
        }
        if (facts.HasTemplate && !facts.OpensJudge)
            logger.LogWarning("The model's chat template does not open a <judge> block; it may not be a HiPO model. Replies without HiPO tags are served as plain answers.");
        return null;
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        logger.LogInformation("Draining: running requests may finish for up to {Seconds} s", options.DrainTimeoutSeconds);
        await engine.StopAsync(TimeSpan.FromSeconds(options.DrainTimeoutSeconds));
    }
}
