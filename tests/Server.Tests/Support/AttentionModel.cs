using HiPO.Gguf.Qwen3;

namespace HiPO.Server.Tests.Support;

/// <summary>
/// A tiny qwen3 model whose every token depends on the whole context: random F32 attention and feed-forward weights
/// (unlike the scripted models, whose zero attention makes the next token depend on the last one only),
/// so a sequence that reads another's KV cells, keeps stale cells after a prefix reuse or forks at the wrong point
/// writes different text. Greedy decoding is what the tests compare, so the model is built for it:
/// <list type="bullet">
/// <item>It writes only the 26 lower-case letters, each a single byte token, so a reply's text is its token sequence
/// (one character per token) and comparing texts compares tokens exactly.</item>
/// <item>The output matrix is scaled so that logits spread over tens of units: the top token leads the second by far
/// more than the rounding differences between batch shapes, and greedy choices are stable.</item>
/// </list>
/// </summary>
/// <remarks>
/// The other tokens are ruled out through a constant channel: dimension 0 of every embedding is <see cref="Channel"/>,
/// and the attention and feed-forward outputs never write to it, so after the final norm it is positive at every position;
/// the output rows of the other tokens weigh it by <c>-Penalty</c>. The vocabulary is Qwen's form (byte tokens, control
/// tokens, HiPO's tags), so the server renders and tokenizes chat prompts for it as for a real HiPO model.
/// </remarks>
public static class AttentionModel
{
    public const string Name = "hipo-attention";

    /// <summary>
    /// A lead, in logits, that the rounding differences between batch shapes cannot overturn: with an F32 KV cache and no
    /// flash attention they stay near 0.004 (checked by <c>ExactBatchingTests</c>), while the top token's lead is tens of logits.
    /// </summary>
    public const float NumericNoise = 0.05f;

    private const int Seed = 12;
    private const float Channel = 2f;
    private const float Penalty = 2000f;

    // Logits spread over about +/-100, so the top token typically leads by tens of units.
    private const float OutputGain = 100f;

    // Query and key norms of 3 make attention scores spread over about +/-9: each head attends sharply to a few
    // positions anywhere in the context rather than averaging it away.
    private const float QueryKeyNormGain = 3f;

    // Attention and feed-forward outputs twice the embedding's scale: the residual stream is mostly context, not the last token.
    private const float MixGain = 2f;

    private static readonly Qwen3Shape Shape = new(
        BlockCount: 4,
        EmbeddingLength: 128,
        HeadCount: 4,
        HeadCountKv: 2,
        HeadDim: 32,
        FeedForwardLength: 256,
        VocabularySize: 256 + 3 + 8,
        ContextLength: 8192,
        RopeFreqBase: 10000f,
        RmsEpsilon: 1e-6f);

    private static readonly Lazy<string> File = new(() =>
    {
        var path = System.IO.Path.Combine(Directory.CreateTempSubdirectory("hipo-attention-").FullName, Name + ".gguf");
        Write(path);
        return path;
    });

    /// <summary>The model file, written once per test run.</summary>
    public static string Path => File.Value;

    /// <summary>Whether the model can write <paramref name="token"/> (a letter's byte token).</summary>
    public static bool CanWrite(int token) => token is >= 'a' and <= 'z';

    private static void Write(string path)
    {
        var vocabulary = new QwenVocabulary();
        vocabulary.AddByteTokens();
        vocabulary.AddSpecialTokens();
        var writer = new GgufWriter();
        Qwen3ModelFile.AddHyperParameters(writer, Name, Shape, Qwen3ModelFile.AllF32);
        vocabulary.WriteTo(writer);

        var random = new Random(Seed);
        int width = Shape.EmbeddingLength;
        foreach (Qwen3Tensor tensor in Qwen3ModelFile.Tensors(Shape, separateOutput: true))
        {
            var values = new float[tensor.ValueCount];
            int inputs = (int)tensor.Shape[0];
            switch (tensor.Role)
            {
                case Qwen3TensorRole.Norm:
                    Array.Fill(values, IsQueryKeyNorm(tensor.Name) ? QueryKeyNormGain : 1f);
                    break;
                case Qwen3TensorRole.TokenEmbedding:
                    FillNormal(values, random, 1f);
                    for (int token = 0; token < Shape.VocabularySize; token++)
                        values[token * width] = Channel;
                    break;
                case Qwen3TensorRole.Projection:
                    // Unit gain (standard deviation 1/sqrt(inputs)) into a block, MixGain out of it.
                    var writesResidual = WritesResidual(tensor.Name);
                    FillNormal(values, random, (writesResidual ? MixGain : 1f) / MathF.Sqrt(inputs));
                    if (writesResidual)
                        Array.Clear(values, 0, inputs); // row 0: nothing writes to the constant channel
                    break;
                case Qwen3TensorRole.Output:
                    FillNormal(values, random, OutputGain / MathF.Sqrt(width));
                    for (int token = 0; token < Shape.VocabularySize; token++)
                    {
                        var row = values.AsSpan(token * width, width);
                        if (CanWrite(token))
                            row[0] = 0;
                        else
                        {
                            row.Clear();
                            row[0] = -Penalty;
                        }
                    }
                    break;
            }
            writer.AddTensor(tensor.Name, GgmlType.F32, tensor.Shape, data => TensorEncoding.WriteF32(data, values));
        }
        writer.WriteTo(path);
    }

    private static bool IsQueryKeyNorm(string name) => name.EndsWith("attn_q_norm.weight", StringComparison.Ordinal) || name.EndsWith("attn_k_norm.weight", StringComparison.Ordinal);

    private static bool WritesResidual(string name) => name.EndsWith("attn_output.weight", StringComparison.Ordinal) || name.EndsWith("ffn_down.weight", StringComparison.Ordinal);

    private static void FillNormal(float[] values, Random random, float deviation)
    {
        for (int i = 0; i < values.Length; i++)
        {
            // Box-Muller: deterministic for a seed, unlike Random.Shared.
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v)) * deviation;
        }
    }
}
