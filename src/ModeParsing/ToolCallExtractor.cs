using System.Text;

namespace HiPO.ModeParsing;

/// <summary>A tool call the model wrote: the function name and its arguments as a JSON object text.</summary>
public sealed record ExtractedToolCall(string Name, string Arguments);

/// <summary>What a piece of answer text turned out to be: plain content, or a complete tool call.</summary>
public readonly record struct AnswerPiece(string Content, ExtractedToolCall? ToolCall = null);

/// <summary>
/// Pulls Qwen-style <c>&lt;tool_call&gt;{"name": ..., "arguments": {...}}&lt;/tool_call&gt;</c> blocks out of streamed
/// answer text (never the reasoning: the caller feeds it answer text only). Text outside the blocks passes through as
/// soon as it cannot start a tag. A block whose JSON is not a call is passed on as content, unchanged, so nothing is lost.
/// </summary>
public sealed class ToolCallExtractor
{
    public const string Open = "<tool_call>";
    public const string Close = "</tool_call>";

    private readonly StringBuilder _held = new();
    private bool _inCall;

    /// <summary>Calls whose JSON could not be read; they were passed on as content.</summary>
    public int Malformed { get; private set; }

    public void Feed(string text, List<AnswerPiece> output)
    {
        _held.Append(text);
        while (true)
        {
            var buffer = _held.ToString();
            if (_inCall)
            {
                var end = buffer.IndexOf(Close, StringComparison.Ordinal);
                if (end < 0)
                    return;
                _held.Clear().Append(buffer[(end + Close.Length)..]);
                _inCall = false;
                output.Add(Parse(buffer[..end]));
                continue;
            }
            var start = buffer.IndexOf(Open, StringComparison.Ordinal);
            if (start >= 0)
            {
                Emit(buffer[..start], output);
                _held.Clear().Append(buffer[(start + Open.Length)..]);
                _inCall = true;
                continue;
            }
            var keep = PartialTagLength(buffer);
            Emit(buffer[..^keep], output);
            _held.Clear().Append(buffer[^keep..]);
            return;
        }
    }

    /// <summary>End of the answer: what was held back is content, including an unclosed call.</summary>
    public void Finish(List<AnswerPiece> output)
    {
        Emit((_inCall ? Open : "") + _held, output);
        _held.Clear();
        _inCall = false;
    }

    private AnswerPiece Parse(string body)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            var root = json.RootElement;
            if (root.ValueKind == System.Text.Json.JsonValueKind.Object &&
                root.TryGetProperty("name", out var name) && name.ValueKind == System.Text.Json.JsonValueKind.String &&
                (!root.TryGetProperty("arguments", out var arguments) || arguments.ValueKind == System.Text.Json.JsonValueKind.Object))
                return new AnswerPiece("", new ExtractedToolCall(name.GetString()!, root.TryGetProperty("arguments", out var args) ? args.GetRawText() : "{}"));
        }
        catch (System.Text.Json.JsonException)
        {
        }
        Malformed++;
        return new AnswerPiece(Open + body + Close);
    }

    private static void Emit(string content, List<AnswerPiece> output)
    {
        if (content.Length > 0)
            output.Add(new AnswerPiece(content));
    }

    /// <summary>Length of the longest suffix of <paramref name="text"/> that could begin the opening tag.</summary>
    private static int PartialTagLength(string text)
    {
        for (var length = Math.Min(Open.Length - 1, text.Length); length > 0; length--)
            if (Open.StartsWith(text[^length..], StringComparison.Ordinal))
                return length;
        return 0;
    }
}
