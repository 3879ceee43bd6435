using HiPO.Gguf.Qwen3;

namespace HiPO.Gguf.Scripting;

/// <summary>
/// Builds a tiny qwen3 GGUF whose replies are a fixed script, for the demo mode and the tests. Each token
/// has at most one successor, and the model makes that successor overwhelmingly likely, so llama.cpp
/// generates the script at any temperature, for any number of concurrent sequences.
/// </summary>
/// <remarks>
/// How: a byte-level BPE vocabulary of byte tokens, Qwen's control tokens, HiPO's tags and the
/// script's word tokens; one-hot token embeddings (the width is at least the vocabulary size); one
/// layer whose attention and FFN weights are all zero, so the residual stream still holds the
/// current token's one-hot vector after it; all norm weights one; and an output matrix with a large
/// weight from each token to its successor. The reply therefore depends only on the last token:
/// a script starts after the last prompt token, which is the byte token "\n" for the default
/// generation prompt <c>...&lt;|im_start|&gt;assistant\n&lt;judge&gt;\n</c>, or a tag such as
/// <c>&lt;answer&gt;</c> for a forced-mode prefill that ends on one.
/// </remarks>
/// <example>
/// <code>
/// var builder = new ScriptedModelBuilder("scripted-hipo");
/// builder.Chain(after: "\n", "Easy", " one.\n", "&lt;/judge&gt;", "\n\n", "&lt;think_off&gt;", "&lt;answer&gt;", "\n4\n", "&lt;/answer&gt;", "&lt;|im_end|&gt;");
/// builder.Write(path);
/// </code>
/// </example>
public sealed class ScriptedModelBuilder
{
    /// <summary>
    /// Weight from a token to its successor in the output matrix. The final RMS norm scales the
    /// one-hot vector to sqrt(width) (at least 384 / 19.6 here), so the successor's logit is
    /// over 150 against 0 for every other token: still certain at temperature 2.
    /// </summary>
    public const float SuccessorWeight = 8f;

    private const int WidthStep = 128;

    private readonly Dictionary<string, ScriptToken> _successors = new(StringComparer.Ordinal);
    private readonly List<ScriptToken> _words = [];
    private readonly HashSet<string> _wordTexts = new(StringComparer.Ordinal);

    /// <param name="name">The model's <c>general.name</c>.</param>
    public ScriptedModelBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    public string Name { get; }

    /// <summary>Each scripted token's successor, keyed by the token's stored text.</summary>
    internal IReadOnlyDictionary<string, ScriptToken> Successors => _successors;

    /// <summary>
    /// Scripts <paramref name="pieces"/> to follow <paramref name="after"/>, each piece followed by
    /// the next. Re-scripting a successor that is already there is allowed (chains may share a tail).
    /// </summary>
    /// <exception cref="ArgumentException">A token would get a second, different successor.</exception>
    public ScriptedModelBuilder Chain(ScriptPiece after, params ScriptPiece[] pieces)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        if (pieces.Length == 0)
        {
            throw new ArgumentException("A chain needs at least one piece.", nameof(pieces));
        }

        return Add([after, .. pieces]);
    }

    /// <summary>Writes the model (a few MB at most) to <paramref name="path"/>.</summary>
    public void Write(string path)
    {
        var vocabulary = new QwenVocabulary();
        vocabulary.AddByteTokens();
        vocabulary.AddSpecialTokens();
        foreach (ScriptToken word in _words)
        {
            vocabulary.Add(word.StoredText, QwenTokenType.Normal);
        }

        int size = vocabulary.Count;
        int width = (size + WidthStep - 1) / WidthStep * WidthStep;
        var shape = new Qwen3Shape(
            BlockCount: 1,
            EmbeddingLength: width,
            HeadCount: 2,
            HeadCountKv: 1,
            HeadDim: 128,
            FeedForwardLength: 128,
            VocabularySize: size,
            ContextLength: 4096,
            RopeFreqBase: 1e6f,
            RmsEpsilon: 1e-6f);

        var writer = new GgufWriter();
        Qwen3ModelFile.AddHyperParameters(writer, Name, shape, Qwen3ModelFile.AllF32);
        vocabulary.WriteTo(writer);
        var successorIds = _successors.Select(s => (From: vocabulary.IdOf(s.Key), To: vocabulary.IdOf(s.Value.StoredText))).ToList();
        foreach (Qwen3Tensor tensor in Qwen3ModelFile.Tensors(shape, separateOutput: true))
        {
            float[] values = new float[tensor.ValueCount];
            switch (tensor.Role)
            {
                case Qwen3TensorRole.TokenEmbedding:
                    for (int token = 0; token < size; token++)
                    {
                        values[((long)token * width) + token] = 1;
                    }

                    break;
                case Qwen3TensorRole.Output:
                    foreach (var (from, to) in successorIds)
                    {
                        values[((long)to * width) + from] = SuccessorWeight;
                    }

                    break;
                case Qwen3TensorRole.Norm:
                    Array.Fill(values, 1f);
                    break;
            }

            writer.AddTensor(tensor.Name, GgmlType.F32, tensor.Shape, data => TensorEncoding.WriteF32(data, values));
        }

        writer.WriteTo(path);
    }

    private ScriptedModelBuilder Add(ScriptPiece[] sequence)
    {
        ScriptToken[] tokens = [.. sequence.Select(ScriptToken.Resolve)];
        var added = new Dictionary<string, ScriptToken>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < tokens.Length; i++)
        {
            ScriptToken from = tokens[i], to = tokens[i + 1];
            if ((_successors.TryGetValue(from.StoredText, out ScriptToken? existing) || added.TryGetValue(from.StoredText, out existing))
                && existing.StoredText != to.StoredText)
            {
                throw new ArgumentException(
                    $"{from.Display} already continues with {existing.Display}; a scripted model gives each token one successor, " +
                    $"so it cannot also continue with {to.Display}. Use different text for one of the two pieces.",
                    "pieces");
            }

            added[from.StoredText] = to;
        }

        foreach (var (from, to) in added)
        {
            _successors[from] = to;
        }

        foreach (ScriptToken token in tokens.Where(t => t.Type == QwenTokenType.Normal && t.Rendered.Length > 1))
        {
            if (_wordTexts.Add(token.StoredText))
            {
                _words.Add(token);
            }
        }

        return this;
    }
}
