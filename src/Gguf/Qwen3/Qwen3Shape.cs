namespace HiPO.Gguf.Qwen3;

/// <summary>The hyper-parameters of a model of llama.cpp's <c>qwen3</c> architecture.</summary>
/// <param name="BlockCount">Transformer layers (<c>qwen3.block_count</c>).</param>
/// <param name="EmbeddingLength">Width of the residual stream (<c>qwen3.embedding_length</c>).</param>
/// <param name="HeadCount">Query heads (<c>qwen3.attention.head_count</c>).</param>
/// <param name="HeadCountKv">Key/value heads (<c>qwen3.attention.head_count_kv</c>); divides <paramref name="HeadCount"/>.</param>
/// <param name="HeadDim">Width of one head (<c>qwen3.attention.key_length</c> and <c>value_length</c>); also the RoPE width.</param>
/// <param name="FeedForwardLength">Hidden width of the gated FFN (<c>qwen3.feed_forward_length</c>).</param>
/// <param name="VocabularySize">Number of tokens.</param>
/// <param name="ContextLength">Training context (<c>qwen3.context_length</c>).</param>
/// <param name="RopeFreqBase">RoPE theta (<c>qwen3.rope.freq_base</c>).</param>
/// <param name="RmsEpsilon">RMS norm epsilon (<c>qwen3.attention.layer_norm_rms_epsilon</c>).</param>
public sealed record Qwen3Shape(
    int BlockCount,
    int EmbeddingLength,
    int HeadCount,
    int HeadCountKv,
    int HeadDim,
    int FeedForwardLength,
    int VocabularySize,
    int ContextLength,
    float RopeFreqBase,
    float RmsEpsilon)
{
    /// <summary>
    /// HiPO-1.7B as presumed from Qwen3-1.7B: 28 layers, hidden 2048, 16 query / 8 KV heads of 128,
    /// FFN 6144, vocabulary 151936, 32k context, RoPE theta 1e6, RMS epsilon 1e-6.
    /// </summary>
    public static Qwen3Shape HiPO1_7B { get; } = new(28, 2048, 16, 8, 128, 6144, 151936, 32768, 1e6f, 1e-6f);

    /// <summary>Throws when the parameters cannot describe a working qwen3 model.</summary>
    public void Validate()
    {
        int[] positive = [BlockCount, EmbeddingLength, HeadCount, HeadCountKv, HeadDim, FeedForwardLength, VocabularySize, ContextLength];
        if (positive.Any(v => v <= 0) || !(RopeFreqBase > 0) || !(RmsEpsilon > 0))
        {
            throw new ArgumentException($"Every qwen3 hyper-parameter must be positive: {this}.");
        }

        if (HeadCount % HeadCountKv != 0)
        {
            throw new ArgumentException($"The head count ({HeadCount}) must be a multiple of the KV head count ({HeadCountKv}).");
        }

        if (HeadDim % 2 != 0)
        {
            throw new ArgumentException($"RoPE needs an even head width, got {HeadDim}.");
        }
    }
}
