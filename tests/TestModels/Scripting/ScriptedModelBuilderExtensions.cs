namespace HiPO.Gguf.Scripting;

/// <summary>
/// What only the tests and the benchmark ask of a <see cref="ScriptedModelBuilder"/>: replies that never end,
/// and the exact reply a model will generate, to compare the server's output with.
/// </summary>
public static class ScriptedModelBuilderExtensions
{
    /// <summary>
    /// Scripts <paramref name="pieces"/> to follow <paramref name="after"/> and then repeat forever:
    /// the last piece's successor is the first. A reply that never ends, for max-token limits.
    /// </summary>
    /// <exception cref="ArgumentException">A token would get a second, different successor.</exception>
    public static ScriptedModelBuilder Loop(this ScriptedModelBuilder builder, ScriptPiece after, params ScriptPiece[] pieces)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(pieces);
        if (pieces.Length == 0)
        {
            throw new ArgumentException("A loop needs at least one piece.", nameof(pieces));
        }

        return builder.Chain(after, [.. pieces, pieces[0]]);
    }

    /// <summary>
    /// The reply the model generates when the prompt's last token is <paramref name="start"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The script after <paramref name="start"/> stops at a token that neither ends generation nor
    /// has a successor (the model would continue at random there).
    /// </exception>
    public static ScriptedReply ReplyAfter(this ScriptedModelBuilder builder, ScriptPiece start)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ScriptToken current = ScriptToken.Resolve(start);
        var tokens = new List<ScriptToken>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        while (true)
        {
            if (!builder.Successors.TryGetValue(current.StoredText, out ScriptToken? next))
            {
                throw new InvalidOperationException(tokens.Count == 0
                    ? $"Nothing is scripted after {current.Display}."
                    : $"The reply after {start} stops at {current.Display}, which neither ends generation nor has a successor: the model would continue with random tokens.");
            }

            if (positions.TryGetValue(next.StoredText, out int cycleStart))
            {
                return new ScriptedReply(tokens, cycleStart);
            }

            positions.Add(next.StoredText, tokens.Count);
            tokens.Add(next);
            if (next.EndsGeneration)
            {
                return new ScriptedReply(tokens, cycleStart: -1);
            }

            current = next;
        }
    }
}
