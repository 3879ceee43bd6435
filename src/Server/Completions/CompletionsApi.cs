using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Completions;

/// <summary><c>POST /v1/completions</c>: OpenAI's legacy completions, the raw prompt continued with the same sampling as chat.</summary>
public static class CompletionsApi
{
    public static IEndpointRouteBuilder MapCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGeneration<CompletionRequest, TextCompletion, TextCompletion>("/v1/completions", "CreateCompletion", CreateAsync)
            .WithTags("Completions")
            .WithSummary("Creates a legacy text completion of a raw prompt; streams it over SSE when stream is true.")
            .WithDescription("OpenAI-compatible legacy completions. The prompt goes to the model as is: no chat template, and control tokens " +
                "in it are parsed, as llama-server does. Everything the model writes is the completion text, with no HiPO parsing and no " +
                "reasoning fields. max_tokens defaults to 16, as in OpenAI's API; logprobs is the legacy integer (0 to 5).");
        return app;
    }

    private static Task CreateAsync(HttpContext context, GenerationPipeline pipeline, CompletionRequestMapper mapper) =>
        pipeline.RunAsync(context, OpenAiJsonContext.Default.CompletionRequest, mapper.Map, (plan, reply) => new CompletionReply(plan, reply));
}
