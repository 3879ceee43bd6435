namespace HiPO.Inference.Prompting;

/// <summary>Who wrote a turn of the conversation.</summary>
public enum ChatRole { System, User, Assistant, Tool }

/// <summary>One turn of the conversation, already reduced to text by the API layer.</summary>
public sealed record ChatTurn(ChatRole Role, string Content)
{
    /// <summary>Calls an earlier assistant turn made, each as a <c>{"name": ..., "arguments": ...}</c> JSON text.</summary>
    public IReadOnlyList<string> ToolCalls { get; init; } = [];
}

/// <summary>What a request asks of the model's think-mode decision.</summary>
public enum ThinkModeRequest { Auto, On, Off }
