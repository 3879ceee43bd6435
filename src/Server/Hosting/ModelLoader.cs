using HiPO.Inference.Hosting;

namespace HiPO.Server.Hosting;

/// <summary>
/// Loads the model after the host has started (so health endpoints answer while it loads) and drains the
/// scheduler on shutdown. A model that fails to load stops the server with exit code 1.
/// </summary>
public sealed class ModelLoader(HipoEngine engine, InferenceOptions options, IHostApplicationLifetime lifetime, ILogger<ModelLoader> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await engine.LoadAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogCritical("Cannot serve the model: {Reason}", e.Message);
            Environment.ExitCode = 1;
            lifetime.StopApplication();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        logger.LogInformation("Draining: running requests may finish for up to {Seconds} s", options.DrainTimeoutSeconds);
        await engine.StopAsync(TimeSpan.FromSeconds(options.DrainTimeoutSeconds));
    }
}
