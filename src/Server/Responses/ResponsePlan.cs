using System.Text.Json;
using HiPO.Inference.Scheduling;
using HiPO.Server.Chat;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>
/// A validated Responses request: the chat plan that generates it (the same one chat completions runs), the conversation
/// to store for a continuation, and the request fields the response object echoes.
/// </summary>
/// <param name="Conversation">Earlier turns (from <c>previous_response_id</c>) and this request's input, as chat messages, without the instructions.</param>
/// <param name="Summary">The requested <c>reasoning.summary</c>: when set, the reasoning is also given as the reasoning item's summary.</param>
public sealed record ResponsePlan(
    ChatPlan Chat,
    List<ChatMessageInput> Conversation,
    ResponseCreateRequest Request,
    bool Store,
    string? Effort,
    string? Summary,
    JsonElement Text,
    JsonElement ToolChoice,
    JsonElement Tools) : IGenerationPlan
{
    public GenerationRequest Generation => Chat.Generation;

    public bool Stream => Chat.Stream;

    /// <summary>A context-length refusal names the Responses field (<c>input</c>, <c>max_output_tokens</c>).</summary>
    public ApiException Refused(ApiException refusal) => ResponsesRequestMapper.Renamed(refusal);
}
