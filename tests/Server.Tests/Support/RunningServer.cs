using HiPO.Inference.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace HiPO.Server.Tests.Support;

/// <summary>The real server (Kestrel, the real llama.cpp runtime) on a loopback port, as clients see it.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public HipoEngine Engine => _app.Services.GetRequiredService<HipoEngine>();

    public SchedulerSnapshot Snapshot => Engine.Snapshot;

    public static Task<RunningServer> StartAsync(string modelPath, params string[] settings) => StartAsync(modelPath, waitUntilReady: true, settings);

    public static Task<RunningServer> StartAsync(string modelPath, bool waitUntilReady, params string[] settings) =>
        StartAsync(modelPath, waitUntilReady, configure: null, settings);

    public static async Task<RunningServer> StartAsync(string modelPath, bool waitUntilReady, Action<IServiceCollection>? configure, params string[] settings)
    {
        var app = HipoServer.Build(["--urls=http://127.0.0.1:0", $"--Model:Path={modelPath}", "--Serilog:MinimumLevel:Default=Warning", .. settings], configure)
            ?? throw new InvalidOperationException("The server refused its configuration.");
        await app.StartAsync();
        var server = new RunningServer(app, new Uri(app.Urls.First()));
        if (waitUntilReady)
            await server.WaitUntilReadyAsync();
        return server;
    }

    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Engine.State == EngineState.Loading && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        if (Engine.State != EngineState.Ready)
            throw new InvalidOperationException($"The model did not load: {Engine.FailureReason}");
    }

    /// <summary>Shuts the server down as SIGTERM does: drain, then stop.</summary>
    public Task StopAsync() => _app.StopAsync();

    /// <summary>Waits until the scheduler's state satisfies a condition (it updates after each step).</summary>
    public async Task<SchedulerSnapshot> WaitForAsync(Func<SchedulerSnapshot, bool> condition, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition(Snapshot))
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Scheduler state never matched; last: {Snapshot}");
            await Task.Delay(10);
        }
        return Snapshot;
    }

    public Task<HttpResponseMessage> PostChatAsync(object body, CancellationToken cancellation = default) =>
        Http.PostAsJsonAsync("/v1/chat/completions", body, cancellation);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
