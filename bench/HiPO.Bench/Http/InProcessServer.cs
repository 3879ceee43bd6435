using System.Diagnostics;
using HiPO.Inference.Hosting;
using HiPO.Inference.Prompting;
using HiPO.Inference.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HiPO.Bench.Http;

/// <summary>
/// The real server (<c>HipoServer.Build</c>: Kestrel, the scheduler, the OpenAI endpoints) on a loopback
/// port of this process, configured like the raw engine it is compared with.
/// </summary>
public sealed class InProcessServer : IAsyncDisposable
{
    private static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(5);

    private readonly WebApplication _app;
    private readonly HipoEngine _engine;

    private InProcessServer(WebApplication app)
    {
        _app = app;
        _engine = app.Services.GetRequiredService<HipoEngine>();
        BaseAddress = new Uri(app.Urls.First());
    }

    public Uri BaseAddress { get; }

    /// <summary>The scheduler's state after its last step (running sequences, KV cells in use and held by the prefix cache).</summary>
    public SchedulerSnapshot Snapshot => _engine.Snapshot;

    /// <summary>The decode loop, for its step timings.</summary>
    public BatchScheduler Scheduler => _engine.Scheduler;

    /// <summary>What the server fills in for sampling fields a request leaves out (from the model, else HiPO's fallback).</summary>
    public string SamplingDefaults => _engine.SamplingDefaults.ToString();

    /// <summary>The prompt tokens the server makes of these turns with think mode off (its own renderer and tokenizer).</summary>
    public int CountTokens(IReadOnlyList<ChatTurn> turns) => _engine.Scheduler.Tokenize(_engine.Renderer.Render(turns, ThinkModeRequest.Off)).Length;

    /// <param name="settings">Further configuration, as command-line arguments (<c>--Section:Key=value</c>).</param>
    public static async Task<InProcessServer> StartAsync(string modelPath, int contextSize, int maxParallel, CancellationToken cancellation, IReadOnlyList<string>? settings = null)
    {
        var app = HipoServer.Build(
        [
            "--urls=http://127.0.0.1:0",
            $"--Model:Path={modelPath}",
            $"--Model:ContextSize={contextSize}",
            $"--Inference:MaxParallel={maxParallel}",
            // Per-request log lines would be written to this console on the same cores as the decode loop.
            "--Serilog:MinimumLevel:Default=Warning",
            "--Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime=Warning",
            .. settings ?? [],
        ]) ?? throw new InvalidOperationException($"The server refused the model {modelPath}.");
        await app.StartAsync(cancellation);
        var server = new InProcessServer(app);
        var engine = server._engine;
        var started = Stopwatch.GetTimestamp();
        while (engine.State == EngineState.Loading && Stopwatch.GetElapsedTime(started) < LoadTimeout)
            await Task.Delay(50, cancellation);
        if (engine.State != EngineState.Ready)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"The server did not load {modelPath}: {engine.FailureReason ?? engine.State.ToString()}");
        }
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
