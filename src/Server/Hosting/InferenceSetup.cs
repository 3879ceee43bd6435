using HiPO.Inference.Hosting;
using HiPO.Server.Chat;
using HiPO.Server.OpenAI;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Hosting;

/// <summary>Registers the inference engine, its validated options and the background model load.</summary>
public static class InferenceSetup
{
    public static IHostApplicationBuilder AddHipoInference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ModelOptions>().Bind(builder.Configuration.GetSection(ModelOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<InferenceOptions>().Bind(builder.Configuration.GetSection(InferenceOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<ReasoningOptions>().Bind(builder.Configuration.GetSection(ReasoningOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ModelOptions>>().Value);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<InferenceOptions>>().Value);
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ReasoningOptions>>().Value);
        builder.Services.AddSingleton<HipoEngine>();
        builder.Services.AddSingleton<ChatRequestMapper>();
        builder.Services.AddSingleton<WireFormat>();
        builder.Services.AddHostedService<ModelLoader>();
        // The host must outlast the drain, or it cuts off the streams the drain lets finish.
        var drain = builder.Configuration.GetValue<int?>($"{InferenceOptions.Section}:{nameof(InferenceOptions.DrainTimeoutSeconds)}") ?? new InferenceOptions().DrainTimeoutSeconds;
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(drain + 15));
        return builder;
    }
}
