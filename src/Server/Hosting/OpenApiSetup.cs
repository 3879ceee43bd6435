using System.Text.Json;
using System.Text.Json.Serialization;
using HiPO.Server.OpenAI;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace HiPO.Server.Hosting;

/// <summary>Marks an endpoint whose JSON body it reads itself (to answer every bad body with an OpenAI error), so the document still describes it.</summary>
public sealed record JsonRequestBody(Type Type);

/// <summary>The OpenAPI document at <c>/openapi/v1.json</c> (with HiPO's extra fields and OpenAI's error body) and interactive docs at <c>/docs</c>.</summary>
public static class OpenApiSetup
{
    public static IHostApplicationBuilder AddHipoOpenApi(this IHostApplicationBuilder builder)
    {
        // Schemas use the wire names (snake_case), as the source-generated serializer writes them.
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            // The request types are read strictly (a number sent as a string is a 400), so the document must not offer strings.
            json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict;
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, OpenAiJsonContext.Default);
        });
        builder.Services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "HiPO.Server";
                document.Info.Description = "OpenAI-compatible API for Kwaipilot's HiPO models. Replies separate the answer (content), the reasoning " +
                    "(reasoning_content) and the model's think-mode decision (think_mode, think_mode_reason, think_mode_source). " +
                    "Errors use OpenAI's body: {\"error\":{\"message\",\"type\",\"param\",\"code\"}}.";
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(async (operation, context, cancellation) =>
            {
                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<JsonRequestBody>().FirstOrDefault() is not { } body)
                    return;
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellation) },
                    },
                };
            });
        });
        return builder;
    }

    public static WebApplication MapHipoOpenApi(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", options =>
        {
            options.WithTitle("HiPO.Server API").WithOpenApiRoutePattern("/openapi/{documentName}.json");
            // A self-hosted server, often air-gapped: no AI chat, no SDK/deploy toolbar, no MCP or telemetry calls out.
            options.Agent = new ScalarAgentOptions { Disabled = true };
            options.Mcp = new ScalarMcpOptions { Disabled = true };
            options.ShowDeveloperTools = DeveloperToolsVisibility.Never;
            options.Telemetry = false;
        });
        return app;
    }
}
