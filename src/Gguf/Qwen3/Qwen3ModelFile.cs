namespace HiPO.Gguf.Qwen3;

/// <summary>
/// What llama.cpp's <c>qwen3</c> loader reads: the architecture's hyper-parameter keys and the exact
/// tensor names and shapes (ggml order, contiguous dimension first). The loader rejects files with
/// missing or extra tensors.
/// </summary>
internal static class Qwen3ModelFile
{
    /// <summary><c>general.file_type</c> values (llama_ftype).</summary>
    public const uint AllF32 = 0;
    public const uint MostlyQ8_0 = 7;

    public static void AddHyperParameters(GgufWriter writer, string name, Qwen3Shape shape, uint fileType)
    {
        shape.Validate();
        writer.AddString("general.architecture", "qwen3");
        writer.AddString("general.name", name);
        writer.AddUInt32("general.file_type", fileType);
        writer.AddUInt32("qwen3.context_length", (uint)shape.ContextLength);
        writer.AddUInt32("qwen3.embedding_length", (uint)shape.EmbeddingLength);
        writer.AddUInt32("qwen3.block_count", (uint)shape.BlockCount);
        writer.AddUInt32("qwen3.feed_forward_length", (uint)shape.FeedForwardLength);
        writer.AddUInt32("qwen3.attention.head_count", (uint)shape.HeadCount);
        writer.AddUInt32("qwen3.attention.head_count_kv", (uint)shape.HeadCountKv);
        writer.AddUInt32("qwen3.attention.key_length", (uint)shape.HeadDim);
        writer.AddUInt32("qwen3.attention.value_length", (uint)shape.HeadDim);
        writer.AddFloat32("qwen3.rope.freq_base", shape.RopeFreqBase);
        writer.AddFloat32("qwen3.attention.layer_norm_rms_epsilon", shape.RmsEpsilon);
    }

    /// <summary>
    /// The tensors of a qwen3 model. Without <paramref name="separateOutput"/> the embeddings are tied:
    /// llama.cpp reuses <c>token_embd.weight</c> as the output matrix when <c>output.weight</c> is absent.
    /// </summary>
    public static IEnumerable<Qwen3Tensor> Tensors(Qwen3Shape shape, bool separateOutput)
    {
        long embedding = shape.EmbeddingLength;
        long vocabulary = shape.VocabularySize;
        long queryWidth = (long)shape.HeadCount * shape.HeadDim;
        long keyValueWidth = (long)shape.HeadCountKv * shape.HeadDim;
        long feedForward = shape.FeedForwardLength;

        yield return new("token_embd.weight", Qwen3TensorRole.TokenEmbedding, [embedding, vocabulary]);
        for (int layer = 0; layer < shape.BlockCount; layer++)
        {
            string block = $"blk.{layer}.";
            yield return new(block + "attn_norm.weight", Qwen3TensorRole.Norm, [embedding]);
            yield return new(block + "attn_q.weight", Qwen3TensorRole.Projection, [embedding, queryWidth]);
            yield return new(block + "attn_k.weight", Qwen3TensorRole.Projection, [embedding, keyValueWidth]);
            yield return new(block + "attn_v.weight", Qwen3TensorRole.Projection, [embedding, keyValueWidth]);
            yield return new(block + "attn_q_norm.weight", Qwen3TensorRole.Norm, [shape.HeadDim]);
            yield return new(block + "attn_k_norm.weight", Qwen3TensorRole.Norm, [shape.HeadDim]);
            yield return new(block + "attn_output.weight", Qwen3TensorRole.Projection, [queryWidth, embedding]);
            yield return new(block + "ffn_norm.weight", Qwen3TensorRole.Norm, [embedding]);
            yield return new(block + "ffn_gate.weight", Qwen3TensorRole.Projection, [embedding, feedForward]);
            yield return new(block + "ffn_up.weight", Qwen3TensorRole.Projection, [embedding, feedForward]);
            yield return new(block + "ffn_down.weight", Qwen3TensorRole.Projection, [feedForward, embedding]);
        }

        yield return new("output_norm.weight", Qwen3TensorRole.Norm, [embedding]);
        if (separateOutput)
        {
            yield return new("output.weight", Qwen3TensorRole.Output, [embedding, vocabulary]);
        }
    }
}

internal enum Qwen3TensorRole
{
    TokenEmbedding,
    Norm,
    Projection,
    Output,
}

/// <summary>One tensor of a qwen3 model: its name, what it is for, and its ggml shape.</summary>
internal sealed record Qwen3Tensor(string Name, Qwen3TensorRole Role, long[] Shape)
{
    public long ValueCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);
}
