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
/// A closing tag inside a JSON string (<c>{"text": "&lt;/tool_call&gt;"}</c>) is part of the arguments, not the end of the call.
/// </summary>
/// <param name="callsOnly">
/// The answer was constrained to tool calls (tool_choice required or a named function): the text between calls is
/// layout and is dropped, and so is a call cut off by a limit, so that the markup never reaches the content.
/// </param>
public sealed class ToolCallExtractor(bool callsOnly = false)
{
    public const string Open = "<tool_call>";
    public const string Close = "</tool_call>";

    private readonly StringBuilder _held = new();
    private bool _inCall;

    public void Feed(string text, List<AnswerPiece> output)
    {
        _held.Append(text);
        while (true)
        {
            var buffer = _held.ToString();
            if (_inCall)
            {
                var end = CloseOutsideStrings(buffer);
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
        if (!callsOnly)
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
            // Broken JSON is not a call: it is passed on as it was written.
        }
        return new AnswerPiece(callsOnly ? "" : Open + body + Close);
    }

    private void Emit(string content, List<AnswerPiece> output)
    {
        if (content.Length > 0 && !callsOnly)
            output.Add(new AnswerPiece(content));
    }

    /// <summary>Where the closing tag first appears outside a JSON string of the call's body; -1 if not yet.</summary>
    private static int CloseOutsideStrings(string body)
    {
        var inString = false;
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (inString)
            {
                if (c == '\\')
                    i++;
                else if (c == '"')
                    inString = false;
            }
            else if (c == '"')
                inString = true;
            else if (c == '<' && string.CompareOrdinal(body, i, Close, 0, Close.Length) == 0)
                return i;
        }
        return -1;
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
