using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using HiPO.Server.Chat;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Responses;

/// <summary>
/// Translates a Responses API request into a chat request (input items to messages, function tools to chat tools,
/// <c>text.format</c> to <c>response_format</c>, <c>reasoning.effort</c> to <c>reasoning_effort</c>) and hands it to
/// <see cref="ChatRequestMapper"/>, so that both endpoints share one request path; the chat mapper's errors are renamed
/// to the Responses field they came from.
/// </summary>
public sealed partial class ResponsesRequestMapper(ChoicesRequestMapper shared, ChatRequestMapper chat, ResponseStore store)
{
    public const int MaxMetadata = 16;

    private static readonly string[] BuiltInTools =
        ["web_search", "web_search_preview", "file_search", "computer_use_preview", "code_interpreter", "image_generation", "mcp", "local_shell", "shell", "apply_patch", "custom"];

    /// <summary>The <c>text</c> object a response echoes when the request set no format.</summary>
    private static readonly JsonElement PlainText = JsonElements.Parse("""{"format":{"type":"text"}}""");

    public ResponsePlan Map(ResponseCreateRequest request, string? owner)
    {
        shared.CheckModel(request.Model);
        CheckUnsupported(request);
        var history = new List<ChatMessageInput>();
        if (request.PreviousResponseId is { } previous)
        {
            var entry = store.Find(previous, owner) ?? throw new ApiException(StatusCodes.Status404NotFound,
                $"Previous response with id '{previous}' not found.", "invalid_request_error", "previous_response_id", "previous_response_not_found");
            history.AddRange(entry.Conversation);
        }
        history.AddRange(MapInput(request.Input, owner));
        var (effort, summary) = MapReasoning(request.Reasoning);
        var (format, text) = MapText(request.Text);

        var messages = new List<ChatMessageInput>(history.Count + 1);
        if (request.Instructions is { } instructions)
            messages.Add(new ChatMessageInput { Role = "system", Content = JsonElements.String(instructions) });
        messages.AddRange(history);
        var chatRequest = new ChatCompletionRequest(request)
        {
            Messages = messages,
            MaxCompletionTokens = request.MaxOutputTokens,
            ResponseFormat = format,
            Tools = MapTools(request.Tools),
            ToolChoice = MapToolChoice(request.ToolChoice),
            ParallelToolCalls = request.ParallelToolCalls,
            ThinkMode = request.ThinkMode,
            ReasoningEffort = effort,
            MaxReasoningTokens = request.MaxReasoningTokens,
            IncludeReasoning = request.IncludeReasoning,
            ThinkModePolicy = request.ThinkModePolicy,
        };
        ChatPlan plan;
        try
        {
            plan = chat.Map(chatRequest);
        }
        catch (ApiException e) when (e.Param is not null)
        {
            throw Renamed(e);
        }
        return new ResponsePlan(plan, history, request, request.Store != false, effort, summary, text,
            request.ToolChoice is { ValueKind: not JsonValueKind.Null } choice ? choice : JsonElements.String(request.Tools is { ValueKind: JsonValueKind.Array } ? "auto" : "none"),
            request.Tools is { ValueKind: JsonValueKind.Array } tools ? tools : JsonElements.EmptyArray);
    }

    /// <summary>Fields of OpenAI's API this server does not serve, refused by name rather than ignored.</summary>
    private static void CheckUnsupported(ResponseCreateRequest request)
    {
        if (request.Background == true)
            throw ApiException.Invalid("background responses are not supported by this server; send the request with background false or without it.", "background", "unsupported_parameter");
        if (request.Conversation is { ValueKind: not JsonValueKind.Null })
            throw ApiException.Invalid("conversation is not supported by this server; continue a conversation with previous_response_id.", "conversation", "unsupported_parameter");
        if (request.Prompt is { ValueKind: not JsonValueKind.Null })
            throw ApiException.Invalid("Stored prompt templates (prompt) are not supported by this server; send the input itself.", "prompt", "unsupported_parameter");
        if (request.MaxToolCalls is not null)
            throw ApiException.Invalid("max_tool_calls is not supported by this server: it runs no built-in tools.", "max_tool_calls", "unsupported_parameter");
        if (request.TopLogprobs is > 0)
            throw ApiException.Invalid("top_logprobs is not supported on /v1/responses; use /v1/chat/completions with logprobs.", "top_logprobs", "unsupported_parameter");
        if (request.TopLogprobs is < 0)
            throw ApiException.Invalid($"top_logprobs must be 0 or more, got {request.TopLogprobs}.", "top_logprobs");
        if (request.Truncation is not (null or "auto" or "disabled"))
            throw ApiException.Invalid($"Invalid truncation '{request.Truncation}'. Supported values are: 'auto' and 'disabled'.", "truncation");
        if (request.ServiceTier is not (null or "auto" or "default" or "flex" or "priority" or "scale"))
            throw ApiException.Invalid($"Invalid service_tier '{request.ServiceTier}'. Supported values are: 'auto', 'default', 'flex', 'priority' and 'scale'.", "service_tier");
        if (request.StreamOptions is { ValueKind: not JsonValueKind.Null } streamOptions)
        {
            if (request.Stream != true)
                throw ApiException.Invalid("stream_options is only allowed when stream is true.", "stream_options");
            if (streamOptions.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid("stream_options must be an object.", "stream_options", "invalid_type");
        }
        if (request.PreviousResponseId is "")
            throw ApiException.Invalid("previous_response_id must not be empty.", "previous_response_id");
        CheckMetadata(request.Metadata);
        CheckInclude(request.Include);
    }

    private static void CheckMetadata(Dictionary<string, string>? metadata)
    {
        if (metadata is null)
            return;
        if (metadata.Count > MaxMetadata)
            throw ApiException.Invalid($"metadata may hold at most {MaxMetadata} pairs, got {metadata.Count}.", "metadata");
        foreach (var (key, value) in metadata)
        {
            if (key.Length > 64)
                throw ApiException.Invalid($"metadata keys are at most 64 characters; '{key[..16]}...' has {key.Length}.", "metadata");
            if (value is null || value.Length > 512)
                throw ApiException.Invalid($"metadata['{key}'] must be a string of at most 512 characters.", "metadata");
        }
    }

    /// <summary>
    /// <c>include</c>: <c>reasoning.encrypted_content</c> is accepted (HiPO's reasoning is never hidden, so the reasoning item
    /// always carries it in the clear); the other values name outputs this server does not produce.
    /// </summary>
    private static void CheckInclude(JsonElement? include)
    {
        if (include is null or { ValueKind: JsonValueKind.Null })
            return;
        if (include.Value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("include must be an array of strings.", "include", "invalid_type");
        var index = 0;
        foreach (var value in include.Value.EnumerateArray())
        {
            var at = $"include[{index++}]";
            if (value.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"{at} must be a string.", at, "invalid_type");
            if (value.GetString() != "reasoning.encrypted_content")
                throw ApiException.Invalid($"include value '{value.GetString()}' is not supported by this server. Supported values are: 'reasoning.encrypted_content'.", at);
        }
    }

    private static (string? Effort, string? Summary) MapReasoning(JsonElement? reasoning)
    {
        if (reasoning is null or { ValueKind: JsonValueKind.Null })
            return (null, null);
        if (reasoning.Value.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("reasoning must be an object.", "reasoning", "invalid_type");
        string? effort = null, summary = null;
        foreach (var property in reasoning.Value.EnumerateObject())
        {
            var param = "reasoning." + property.Name;
            var value = property.Value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => property.Value.GetString(),
                _ => throw ApiException.Invalid($"{param} must be a string.", param, "invalid_type"),
            };
            switch (property.Name)
            {
                case "effort":
                    effort = value;
                    break;
                case "summary" or "generate_summary":
                    summary = value is null or "auto" or "concise" or "detailed"
                        ? value ?? summary
                        : throw ApiException.Invalid($"Invalid {param} '{value}'. Supported values are: 'auto', 'concise' and 'detailed'.", param);
                    break;
                default:
                    throw ApiException.Invalid($"Unknown parameter: '{param}'. Supported: 'effort' and 'summary'.", param, "unknown_parameter");
            }
        }
        return (effort, summary);
    }

    /// <summary><c>text.format</c> becomes chat's <c>response_format</c>; returns it and the <c>text</c> object the response echoes.</summary>
    private static (JsonElement? Format, JsonElement Text) MapText(JsonElement? text)
    {
        if (text is null or { ValueKind: JsonValueKind.Null })
            return (null, PlainText);
        if (text.Value.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("text must be an object.", "text", "invalid_type");
        JsonElement? format = null;
        foreach (var property in text.Value.EnumerateObject())
        {
            switch (property.Name)
            {
                case "format":
                    format = MapFormat(property.Value);
                    break;
                case "verbosity":
                    // Accepted for OpenAI clients that always send it; HiPO has no verbosity control.
                    if (property.Value.ValueKind != JsonValueKind.Null && property.Value.GetString() is not ("low" or "medium" or "high"))
                        throw ApiException.Invalid("Invalid text.verbosity. Supported values are: 'low', 'medium' and 'high'.", "text.verbosity");
                    break;
                default:
                    throw ApiException.Invalid($"Unknown parameter: 'text.{property.Name}'. Supported: 'format' and 'verbosity'.", "text." + property.Name, "unknown_parameter");
            }
        }
        return (format, text.Value.TryGetProperty("format", out _) ? text.Value : PlainText);
    }

    private static JsonElement? MapFormat(JsonElement format)
    {
        if (format.ValueKind == JsonValueKind.Null)
            return null;
        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid("text.format must be an object with a 'type'.", "text.format", "invalid_type");
        if (type.GetString() != "json_schema")
            return format; // text, json_object, or an unknown type the chat mapper refuses by name.
        if (!format.TryGetProperty("schema", out var schema) || schema.ValueKind != JsonValueKind.Object)
            throw ApiException.Invalid("text.format json_schema needs schema, a JSON schema object.", "text.format.schema", "missing_required_parameter");
        return JsonElements.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "json_schema");
            w.WritePropertyName("json_schema");
            w.WriteStartObject();
            // Responses puts the schema's name, description and strict flag beside it; chat nests them all.
            foreach (var field in new[] { "name", "description", "strict" })
            {
                if (format.TryGetProperty(field, out var value))
                {
                    w.WritePropertyName(field);
                    value.WriteTo(w);
                }
            }
            w.WritePropertyName("schema");
            schema.WriteTo(w);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>Responses function tools are flat (<c>{"type":"function","name":...}</c>); chat's nest them under <c>function</c>.</summary>
    private static JsonElement? MapTools(JsonElement? tools)
    {
        if (tools is null or { ValueKind: JsonValueKind.Null })
            return null;
        if (tools.Value.ValueKind != JsonValueKind.Array)
            throw ApiException.Invalid("tools must be an array of function tools.", "tools", "invalid_type");
        var index = 0;
        foreach (var tool in tools.Value.EnumerateArray())
        {
            var at = $"tools[{index++}]";
            if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"{at} must be an object with a 'type'.", at, "invalid_type");
            if (type.GetString() != "function")
                throw ApiException.Invalid(
                    $"Tool type '{type.GetString()}' in {at} is not supported: this server runs no {(BuiltInTools.Contains(type.GetString()) ? "built-in " : "")}tools and offers function tools only.",
                    $"{at}.type", "unsupported_tool_type");
        }
        return JsonElements.Write(w =>
        {
            w.WriteStartArray();
            foreach (var tool in tools.Value.EnumerateArray())
            {
                w.WriteStartObject();
                w.WriteString("type", "function");
                w.WritePropertyName("function");
                w.WriteStartObject();
                foreach (var property in tool.EnumerateObject().Where(p => p.Name != "type"))
                    property.WriteTo(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        });
    }

    private static JsonElement? MapToolChoice(JsonElement? choice)
    {
        if (choice is not { ValueKind: JsonValueKind.Object } named)
            return choice;
        if (!named.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid("tool_choice must be 'none', 'auto', 'required' or {\"type\":\"function\",\"name\":...}.", "tool_choice", "invalid_type");
        if (type.GetString() != "function")
            throw ApiException.Invalid($"tool_choice type '{type.GetString()}' is not supported: this server offers function tools only.", "tool_choice.type", "unsupported_tool_type");
        if (!named.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            throw ApiException.Invalid("tool_choice of type 'function' needs a 'name'.", "tool_choice.name", "missing_required_parameter");
        return JsonElements.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("type", "function");
            w.WritePropertyName("function");
            w.WriteStartObject();
            w.WriteString("name", name.GetString());
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>Input items to chat messages: consecutive <c>function_call</c> items join the assistant turn before them.</summary>
    private List<ChatMessageInput> MapInput(JsonElement? input, string? owner)
    {
        switch (input?.ValueKind)
        {
            case JsonValueKind.String:
                return [new ChatMessageInput { Role = "user", Content = input.Value }];
            case JsonValueKind.Array:
                break;
            case null or JsonValueKind.Null:
                throw ApiException.Invalid("Missing required parameter: 'input'.", "input", "missing_required_parameter");
            default:
                throw ApiException.Invalid("input must be a string or an array of input items.", "input", "invalid_type");
        }
        var messages = new List<ChatMessageInput>();
        var calls = new List<(string Id, string Name, string Arguments)>();
        var index = 0;
        foreach (var item in input.Value.EnumerateArray())
        {
            var at = $"input[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
                throw ApiException.Invalid($"{at} must be an object.", at, "invalid_type");
            var type = item.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.String ? t.GetString() : throw ApiException.Invalid($"{at}.type must be a string.", $"{at}.type", "invalid_type") : "message";
            var referenced = type == "item_reference" ? Referenced(item, at, owner) : null;
            if (referenced is not null)
                type = referenced.Type;
            if (type != "function_call")
                FlushCalls();
            switch (type)
            {
                case "message" when referenced is not null:
                    messages.Add(new ChatMessageInput { Role = "assistant", Content = JsonElements.String(string.Concat(referenced.Content?.Select(c => c.Text) ?? [])) });
                    break;
                case "function_call" when referenced is not null:
                    calls.Add((referenced.CallId!, referenced.Name!, referenced.Arguments!));
                    break;
                case "message":
                    messages.Add(MapMessage(item, at));
                    break;
                case "function_call":
                    calls.Add((RequiredString(item, "call_id", at), RequiredString(item, "name", at), FunctionArguments(item, at)));
                    break;
                case "function_call_output":
                    messages.Add(new ChatMessageInput { Role = "tool", ToolCallId = RequiredString(item, "call_id", at), Content = JsonElements.String(OutputText(item, at)) });
                    break;
                case "reasoning" or "item_reference":
                    // Earlier reasoning never returns to a HiPO prompt (the template keeps answers only).
                    break;
                default:
                    throw ApiException.Invalid(
                        $"Unsupported input item type '{type}' in {at}. Supported types are: 'message', 'function_call', 'function_call_output', 'reasoning' and 'item_reference'.", $"{at}.type", "unsupported_item_type");
            }
        }
        FlushCalls();
        if (messages.Count == 0)
            throw ApiException.Invalid("input must contain at least one message.", "input", "empty_array");
        return messages;

        void FlushCalls()
        {
            if (calls.Count == 0)
                return;
            var toolCalls = JsonElements.ToolCalls(calls);
            if (messages.Count > 0 && messages[^1] is { Role: "assistant", ToolCalls: null } last)
                last.ToolCalls = toolCalls;
            else
                messages.Add(new ChatMessageInput { Role = "assistant", ToolCalls = toolCalls });
            calls.Clear();
        }
    }

    /// <summary>
    /// The stored output item an <c>item_reference</c> names (clients such as the AI SDK send these instead of the items
    /// they got); null for reasoning items, which are dropped whether or not they are still stored.
    /// </summary>
    private ResponseItem? Referenced(JsonElement item, string at, string? owner)
    {
        var id = RequiredString(item, "id", at);
        if (id.StartsWith(ResponseIds.ReasoningPrefix, StringComparison.Ordinal))
            return null;
        return store.FindItem(id, owner) ?? throw new ApiException(StatusCodes.Status404NotFound,
            $"Item with id '{id}' not found.", "invalid_request_error", $"{at}.id", "item_not_found");
    }

    private static ChatMessageInput MapMessage(JsonElement item, string at)
    {
        var role = item.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (role is not ("user" or "system" or "developer" or "assistant"))
            throw role is null
                ? ApiException.Invalid($"Missing required parameter: '{at}.role'.", $"{at}.role", "missing_required_parameter")
                : ApiException.Invalid($"Invalid value: '{role}'. Supported values are: 'user', 'system', 'developer' and 'assistant'.", $"{at}.role");
        if (!item.TryGetProperty("content", out var content))
            throw ApiException.Invalid($"Missing required parameter: '{at}.content'.", $"{at}.content", "missing_required_parameter");
        var text = content.ValueKind switch
        {
            JsonValueKind.String => content.GetString()!,
            JsonValueKind.Array => Parts(content, $"{at}.content", role == "assistant" ? "output_text" : "input_text"),
            _ => throw ApiException.Invalid($"{at}.content must be a string or an array of content parts.", $"{at}.content", "invalid_type"),
        };
        return new ChatMessageInput { Role = role, Content = JsonElements.String(text) };
    }

    private static string Parts(JsonElement parts, string param, string textType)
    {
        var text = new StringBuilder();
        var index = 0;
        foreach (var part in parts.EnumerateArray())
        {
            var at = $"{param}[{index++}]";
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"{at} must be an object with a 'type'.", at, "invalid_type");
            // An assistant message sent back as input carries output_text; clients also send refusals and plain input_text.
            if (type.GetString() is not ("input_text" or "output_text" or "refusal"))
                throw ApiException.Invalid($"Unsupported content part type '{type.GetString()}' in {at}: this model accepts text only ('{textType}').", $"{at}.type", "unsupported_content_type");
            var field = type.GetString() == "refusal" ? "refusal" : "text";
            if (!part.TryGetProperty(field, out var partText) || partText.ValueKind != JsonValueKind.String)
                throw ApiException.Invalid($"{at}.{field} must be a string.", $"{at}.{field}", "invalid_type");
            text.Append(partText.GetString());
        }
        return text.ToString();
    }

    private static string OutputText(JsonElement item, string at)
    {
        if (!item.TryGetProperty("output", out var output))
            throw ApiException.Invalid($"Missing required parameter: '{at}.output'.", $"{at}.output", "missing_required_parameter");
        return output.ValueKind switch
        {
            JsonValueKind.String => output.GetString()!,
            JsonValueKind.Array => Parts(output, $"{at}.output", "input_text"),
            _ => throw ApiException.Invalid($"{at}.output must be a string or an array of text parts.", $"{at}.output", "invalid_type"),
        };
    }

    private static string FunctionArguments(JsonElement item, string at)
    {
        var arguments = RequiredString(item, "arguments", at);
        try
        {
            using var parsed = JsonDocument.Parse(arguments);
            if (parsed.RootElement.ValueKind == JsonValueKind.Object)
                return arguments;
        }
        catch (JsonException)
        {
        }
        throw ApiException.Invalid($"{at}.arguments must be a JSON object text.", $"{at}.arguments");
    }

    private static string RequiredString(JsonElement item, string name, string at) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw ApiException.Invalid($"Missing required parameter: '{at}.{name}' (a string).", $"{at}.{name}", "missing_required_parameter");

    /// <summary>A chat request's error, naming the Responses field its parameter was translated from.</summary>
    public static ApiException Renamed(ApiException e)
    {
        if (e.Param is not { } param)
            return e;
        var renamed = Rename(param);
        var message = e.Message.Replace(param, renamed, StringComparison.Ordinal);
        if (renamed == "max_output_tokens")
            message = message.Replace("max_tokens", renamed, StringComparison.Ordinal);
        return new ApiException(e.Status, message, e.Type, renamed, e.Code, e.RetryAfter);
    }

    private static string Rename(string param) => param switch
    {
        "max_completion_tokens" or "max_tokens" => "max_output_tokens",
        "messages" => "input",
        "reasoning_effort" => "reasoning.effort",
        _ when param.StartsWith("response_format.json_schema.", StringComparison.Ordinal) => "text.format." + param["response_format.json_schema.".Length..],
        _ when param.StartsWith("response_format", StringComparison.Ordinal) => "text.format" + param["response_format".Length..],
        "tool_choice.function.name" => "tool_choice.name",
        _ => ToolFunctionField().Replace(param, "$1"),
    };

    [GeneratedRegex(@"^(tools\[\d+\])\.function")]
    private static partial Regex ToolFunctionField();
}
