using HiPO.Inference.Hosting;
using HiPO.ModelHub;

namespace HiPO.Server.Hosting;

/// <summary>Registers the inference engine, its validated options and the background model load.</summary>
public static class InferenceSetup
{
    public static IHostApplicationBuilder AddHipoInference(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ModelOptions>(ModelOptions.Section)
            .AddValidatedOptions<InferenceOptions>(InferenceOptions.Section)
            .AddValidatedOptions<ReasoningOptions>(ReasoningOptions.Section)
            .AddValidatedOptions<AdaptiveThinkingOptions>(AdaptiveThinkingOptions.Section)
            .AddValidatedOptions<HubOptions>(HubOptions.Section);
        builder.Services.AddHttpClient(HubOptions.Section);
        builder.Services.AddSingleton(sp => new ModelResolver(
            sp.GetRequiredService<HubOptions>(),
            sp.GetRequiredService<IHttpClientFactory>().CreateClient(HubOptions.Section),
            sp.GetRequiredService<ILogger<ModelResolver>>()));
        builder.Services.AddSingleton(sp =>
        {
            var engine = ActivatorUtilities.CreateInstance<HipoEngine>(sp);
            // Before the download, name the model after its repository ("hf:Kwaipilot/HiPO-1.7B" is HiPO-1.7B, not "HiPO-1").
            var model = sp.GetRequiredService<ModelOptions>();
            if (model.Id is null && HubReference.TryParse(model.Path, out var reference))
                engine.ModelId = reference.Name;
            return engine;
        });
        builder.Services.AddHostedService<ModelLoader>();
        // The host must outlast the drain, or it cuts off the streams the drain lets finish.
        var drain = builder.Configuration.GetValue<int?>($"{InferenceOptions.Section}:{nameof(InferenceOptions.DrainTimeoutSeconds)}") ?? new InferenceOptions().DrainTimeoutSeconds;
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(drain + 15));
        return builder;
    }
}
