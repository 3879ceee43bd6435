using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Chat;

/// <summary><c>POST /v1/chat/completions</c>: HiPO replies with the answer, the reasoning and the think mode in separate fields.</summary>
public static class ChatCompletionsApi
{
    public static IEndpointRouteBuilder MapChatCompletionsApi(this IEndpointRouteBuilder app)
    {
        app.MapGeneration<ChatCompletionRequest, ChatCompletion, ChatCompletionChunk>("/v1/chat/completions", "CreateChatCompletion", CreateAsync)
            .WithTags("Chat")
            .WithSummary("Creates a chat completion; streams it over SSE when stream is true.")
            .WithDescription("OpenAI-compatible. The answer is in content, the reasoning in reasoning_content, and the model's think-mode decision in think_mode (with think_mode_reason and think_mode_source). think_mode, reasoning_effort, chat_template_kwargs.enable_thinking and think force a mode; max_reasoning_tokens caps the reasoning. Under load the server may cap or turn off the reasoning of think_mode auto requests (think_mode_policy \"load\" in the reply; think_mode_policy \"none\" in the request opts out).");
        return app;
    }

    private static Task CreateAsync(HttpContext context, GenerationPipeline pipeline, ChatRequestMapper mapper, WireFormat wire) =>
        pipeline.RunAsync(context, OpenAiJsonContext.Default.ChatCompletionRequest, mapper.Map, (plan, reply) => new ChatReply(plan, reply, wire));
}
