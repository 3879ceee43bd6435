using HiPO.Server.Chat;
using HiPO.Server.Completions;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>Registers the request pipeline and what the generation endpoints plug into it: their request mappers and JSON contracts.</summary>
public static class GenerationSetup
{
    public static IHostApplicationBuilder AddHipoGeneration(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GenerationPipeline>();
        builder.Services.AddSingleton<WireFormat>();
        builder.Services.AddSingleton<ChoicesRequestMapper>();
        builder.Services.AddSingleton<ChatRequestMapper>();
        builder.Services.AddSingleton<CompletionRequestMapper>();
        return builder;
    }
}
