using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using HiPO.Inference.Hosting;

namespace HiPO.Server.OpenAI;

/// <summary>
/// The JSON contracts of responses, with the reasoning field named as configured: <c>reasoning_content</c>
/// (llama-server, DeepSeek), <c>reasoning</c> (vLLM's newer name) or both, so older and newer clients both work.
/// </summary>
public sealed class WireFormat
{
    public WireFormat(ReasoningOptions options)
    {
        var resolver = OpenAiJsonContext.Default.WithAddedModifier(info =>
        {
            if (info.Type != typeof(ChatDelta) && info.Type != typeof(ChatResponseMessage))
                return;
            var index = info.Properties.ToList().FindIndex(p => p.Name == "reasoning_content");
            var property = info.Properties[index];
            if (options.FieldName == "reasoning")
                property.Name = "reasoning";
            else if (options.FieldName == "both")
            {
                var alias = info.CreateJsonPropertyInfo(typeof(string), "reasoning");
                alias.Get = property.Get;
                alias.ShouldSerialize = property.ShouldSerialize;
                info.Properties.Insert(index + 1, alias);
            }
        });
        // Responses go to API clients, never into HTML: no need to escape '<', quotes or non-ASCII text.
        var json = new JsonSerializerOptions(OpenAiJsonContext.Default.Options) { TypeInfoResolver = resolver, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        Completion = (JsonTypeInfo<ChatCompletion>)json.GetTypeInfo(typeof(ChatCompletion));
        Chunk = (JsonTypeInfo<ChatCompletionChunk>)json.GetTypeInfo(typeof(ChatCompletionChunk));
        Response = (JsonTypeInfo<ResponseObject>)json.GetTypeInfo(typeof(ResponseObject));
        ResponseEvent = (JsonTypeInfo<ResponseStreamEvent>)json.GetTypeInfo(typeof(ResponseStreamEvent));
    }

    public JsonTypeInfo<ChatCompletion> Completion { get; }

    public JsonTypeInfo<ChatCompletionChunk> Chunk { get; }

    public JsonTypeInfo<ResponseObject> Response { get; }

    public JsonTypeInfo<ResponseStreamEvent> ResponseEvent { get; }
}
