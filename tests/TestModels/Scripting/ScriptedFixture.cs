namespace HiPO.Gguf.Scripting;

/// <summary>
/// A ready-made scripted model: the file it writes and the replies it produces. <see cref="Judge"/>,
/// <see cref="Reasoning"/> and <see cref="Answer"/> are the blocks' texts without the newlines that
/// surround them in the reply, which is what a HiPO parser should extract.
/// </summary>
public sealed class ScriptedFixture
{
    private readonly ScriptedModelBuilder _builder;

    public ScriptedFixture(ScriptedModelBuilder builder, string? judge, string? reasoning, string? answer)
    {
        _builder = builder;
        Judge = judge;
        Reasoning = reasoning;
        Answer = answer;
        Reply = builder.ReplyAfter("\n");
    }

    /// <summary>The model's <c>general.name</c>.</summary>
    public string Name => _builder.Name;

    /// <summary>The judge block's text, or null when the reply has none.</summary>
    public string? Judge { get; }

    /// <summary>The think block's text, or null when the reply does not reason.</summary>
    public string? Reasoning { get; }

    /// <summary>The answer block's text, or null when the reply has no finite answer block.</summary>
    public string? Answer { get; }

    /// <summary>
    /// The reply to a prompt ending in "\n", as the default generation prompt
    /// <c>&lt;|im_start|&gt;assistant\n&lt;judge&gt;\n</c> does.
    /// </summary>
    public ScriptedReply Reply { get; }

    /// <summary>The reply to a prompt whose last token is <paramref name="start"/>, e.g. <c>"&lt;answer&gt;"</c>.</summary>
    public ScriptedReply ReplyAfter(ScriptPiece start) => _builder.ReplyAfter(start);

    /// <summary>Writes the model to <paramref name="path"/>.</summary>
    public void Write(string path) => _builder.Write(path);
}
