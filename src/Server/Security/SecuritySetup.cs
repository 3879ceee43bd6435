using HiPO.Server.Hosting;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Security;

/// <summary>Registers and orders API keys, rate limits and CORS.</summary>
public static class SecuritySetup
{
    public static IHostApplicationBuilder AddHipoSecurity(this IHostApplicationBuilder builder)
    {
        builder.AddValidatedOptions<SecurityOptions>(SecurityOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddSingleton<TokenRateLimiter>();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<SecurityOptions>, TokenRateLimiter>(
            (limiter, security, tokens) => RateLimitPolicy.Apply(limiter, security.Value, tokens));
        builder.Services.AddCors();
        builder.Services.AddOptions<CorsOptions>().Configure<IOptions<SecurityOptions>>((cors, security) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins(security.Value.Cors.AllowedOrigins)
                // Any header, because OpenAI's SDKs send their own (x-stainless-*) besides Authorization and Content-Type.
                .AllowAnyHeader()
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Delete)
                .WithExposedHeaders("Retry-After")));
        return builder;
    }

    /// <summary>
    /// CORS first, so that preflights (which carry no key) are answered and refusals still carry CORS headers a browser can read;
    /// then the API key, so that rate limits count per authenticated key; then the rate limiter.
    /// </summary>
    public static WebApplication UseHipoSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<IOptions<SecurityOptions>>().Value;
        if (security.Cors.AllowedOrigins.Length > 0)
            app.UseCors();
        var keys = app.Services.GetRequiredService<ApiKeyRing>();
        if (keys.IsEmpty)
            app.Logger.LogInformation("No API key configured: every endpoint is open");
        else
            app.Logger.LogInformation("API keys: {Count} accepted; open without a key: {OpenPaths}", keys.Count, string.Join(", ", OpenPaths.For(security)));
        app.UseMiddleware<ApiKeyMiddleware>();
        app.UseRateLimiter();
        return app;
    }
}
