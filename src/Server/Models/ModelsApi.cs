using HiPO.Inference.Hosting;
using HiPO.Server.OpenAI;
using Microsoft.AspNetCore.Http.HttpResults;

namespace HiPO.Server.Models;

/// <summary><c>GET /v1/models</c> and <c>GET /v1/models/{id}</c>: the one served model, under its id and aliases.</summary>
public static class ModelsApi
{
    public static IEndpointRouteBuilder MapModelsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", List)
            .WithTags("Models")
            .WithName("ListModels")
            .WithSummary("Lists the served model.");
        app.MapGet("/v1/models/{id}", Get)
            .WithTags("Models")
            .WithName("RetrieveModel")
            .WithSummary("Describes the served model by its id or an alias; 404 model_not_found otherwise.");
        return app;
    }

    private static JsonHttpResult<ModelList> List(HipoEngine engine, Microsoft.Extensions.Options.IOptions<ModelOptions> model) =>
        TypedResults.Json(new ModelList([.. Ids(engine, model.Value).Select(id => Card(engine, id))]), OpenAiJsonContext.Default.ModelList);

    private static IResult Get(string id, HttpContext context, HipoEngine engine, Microsoft.Extensions.Options.IOptions<ModelOptions> model) =>
        Ids(engine, model.Value).Contains(id)
            ? TypedResults.Json(Card(engine, id), OpenAiJsonContext.Default.ModelCard)
            : ApiException.ModelNotFound(id, engine.ModelId).ToResult(context);

    private static IEnumerable<string> Ids(HipoEngine engine, ModelOptions model) => [engine.ModelId, .. model.Aliases];

    private static ModelCard Card(HipoEngine engine, string id) => new(id, engine.Created.ToUnixTimeSeconds(), "kwaipilot");
}
