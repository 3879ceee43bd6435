using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Responses;

/// <summary>Registers the Responses API's request mapper and its bounded in-memory store (configuration section <c>Responses</c>).</summary>
public static class ResponsesSetup
{
    public static IHostApplicationBuilder AddHipoResponses(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResponseStoreOptions>().Bind(builder.Configuration.GetSection(ResponseStoreOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ResponseStoreOptions>>().Value);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ResponseStore>();
        builder.Services.AddSingleton<ResponsesRequestMapper>();
        return builder;
    }
}
