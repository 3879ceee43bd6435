using HiPO.Inference.Hosting;
using HiPO.ModelHub;
using HiPO.Server.OpenAI;
using Microsoft.AspNetCore.Diagnostics;

namespace HiPO.Server.Hosting;

/// <summary>Where the server listens, and how it answers what no endpoint handles.</summary>
public static class EndpointSetup
{
    /// <summary>
    /// Applies <c>Server:Host</c>/<c>Server:Port</c> (or <c>--host</c>/<c>--port</c>) unless ASP.NET Core's own <c>--urls</c> is given,
    /// and <c>Server:MaxRequestBodyBytes</c> (larger bodies get 413).
    /// </summary>
    public static IHostApplicationBuilder AddHipoEndpoint(this WebApplicationBuilder builder)
    {
        var host = builder.Configuration["Server:Host"] ?? "0.0.0.0";
        var port = builder.Configuration["Server:Port"] ?? "8080";
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
            builder.WebHost.UseUrls($"http://{host}:{port}");
        var maxBody = builder.Configuration.GetValue<long?>("Server:MaxRequestBodyBytes") ?? 8 * 1024 * 1024;
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = maxBody);
        return builder;
    }

    /// <summary>Stops startup with one clear line when the configured model file cannot be served.</summary>
    public static bool ModelFileIsUsable(this WebApplication app)
    {
        try
        {
            var model = app.Services.GetRequiredService<ModelOptions>();
            if (!model.Demo && ModelResolver.IsHubReference(model.Path ?? ""))
                return HubReference.TryParse(model.Path, out _) || Refuse(app, $"Cannot load model '{model.Path}': expected hf:owner/repo or hf:owner/repo/file.gguf");
            app.Services.GetRequiredService<HipoEngine>().ResolveModelPath();
            return true;
        }
        catch (ModelFileException e)
        {
            return Refuse(app, e.Message);
        }
    }

    private static bool Refuse(WebApplication app, string reason)
    {
        app.Logger.LogCritical("{Reason}", reason);
        return false;
    }

    /// <summary>Unexpected failures and unmatched routes still answer with OpenAI's error body.</summary>
    public static WebApplication UseHipoErrors(this WebApplication app)
    {
        app.UseExceptionHandler(errors => errors.Run(async context =>
        {
            var failure = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            var error = failure is BadHttpRequestException bad
                ? new ApiException(bad.StatusCode, bad.Message, "invalid_request_error", null, bad.StatusCode == 413 ? "request_too_large" : "bad_request")
                : new ApiException(StatusCodes.Status500InternalServerError, "The server failed to handle this request.", "server_error", null, "internal_error");
            await error.ToResult(context).ExecuteAsync(context);
        }));
        return app;
    }

    public static WebApplication MapHipoFallback(this WebApplication app)
    {
        app.MapFallback((HttpContext context) => new ApiException(StatusCodes.Status404NotFound,
            $"Unknown endpoint: {context.Request.Method} {context.Request.Path}.", "invalid_request_error", null, "unknown_url").ToResult(context))
            .ExcludeFromDescription();
        return app;
    }
}
