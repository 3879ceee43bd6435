using HiPO.Server.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HiPO.Server.Responses;

/// <summary>Registers the Responses API's request mapper and its bounded in-memory store (configuration section <c>Responses</c>).</summary>
public static class ResponsesSetup
{
    public static IHostApplicationBuilder AddHipoResponses(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ResponseStoreOptions>(ResponseStoreOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ResponseStore>();
        builder.Services.AddSingleton<ResponsesRequestMapper>();
        return builder;
    }
}
