using System.Buffers.Binary;

namespace HiPO.Gguf.Qwen3;

/// <summary>
/// Writes a random-weight qwen3 GGUF of a given shape (by default HiPO-1.7B's) for benchmarks: every
/// matrix Q8_0 with values of about N(0, 0.02), norms F32 ones, tied embeddings, and a vocabulary of
/// unique tokens with Qwen's control tokens at their real ids. Its replies are gibberish, but it costs
/// llama.cpp what the real model costs per token.
/// </summary>
public static class RandomModelWriter
{
    /// <summary>Standard deviation of the weights.</summary>
    public const float WeightStdDev = 0.02f;

    // The int8 values of a block follow a normal distribution with this standard deviation,
    // scaled by one shared F16 scale: values stay within +/-127 (a byte's most extreme quantile is 2.9).
    private const float QuantizedStdDev = 40f;
    private const int BlocksPerChunk = 8192;

    private static readonly sbyte[] NormalQuantiles = BuildNormalQuantiles();

    /// <summary>
    /// Writes the model to <paramref name="path"/>, reporting the fraction written to
    /// <paramref name="progress"/>. The same <paramref name="seed"/> gives the same file.
    /// </summary>
    public static void Write(
        string path,
        Qwen3Shape shape,
        string name = "hipo-random",
        int seed = 1,
        IProgress<double>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var writer = new GgufWriter();
        Qwen3ModelFile.AddHyperParameters(writer, name, shape, Qwen3ModelFile.MostlyQ8_0);
        BuildVocabulary(shape.VocabularySize).WriteTo(writer);

        int tensorIndex = 0;
        foreach (Qwen3Tensor tensor in Qwen3ModelFile.Tensors(shape, separateOutput: false))
        {
            int tensorSeed = HashCode.Combine(seed, tensorIndex++);
            if (tensor.Role == Qwen3TensorRole.Norm)
            {
                float[] ones = [.. Enumerable.Repeat(1f, (int)tensor.ValueCount)];
                writer.AddTensor(tensor.Name, GgmlType.F32, tensor.Shape, data => TensorEncoding.WriteF32(data, ones));
            }
            else
            {
                writer.AddTensor(tensor.Name, GgmlType.Q8_0, tensor.Shape, data => WriteRandomQ8_0(data, tensor.ValueCount, tensorSeed));
            }
        }

        writer.WriteTo(path, progress, cancellationToken);
    }

    /// <summary>
    /// Byte tokens at 0-255, Qwen's control tokens at 151643-151645 (or at the end of a smaller
    /// vocabulary) followed by HiPO's tags, and unique filler words everywhere else.
    /// </summary>
    private static QwenVocabulary BuildVocabulary(int size)
    {
        int specialCount = QwenVocabulary.ControlTokens.Count + QwenVocabulary.HipoTags.Count;
        if (size < 256 + specialCount)
        {
            throw new ArgumentException($"A vocabulary needs at least {256 + specialCount} tokens, got {size}.", nameof(size));
        }

        var vocabulary = new QwenVocabulary();
        vocabulary.AddByteTokens();
        int specialStart = Math.Min(QwenVocabulary.QwenEndOfTextId, size - specialCount);
        int filler = 0;
        while (vocabulary.Count < specialStart)
        {
            vocabulary.Add(FillerWord(filler++), QwenTokenType.Normal);
        }

        vocabulary.AddSpecialTokens();
        while (vocabulary.Count < size)
        {
            vocabulary.Add(FillerWord(filler++), QwenTokenType.Normal);
        }

        return vocabulary;
    }

    /// <summary>" a", " b", ..., " z", " aa", ... in byte-level form: unique, and never a single byte.</summary>
    private static string FillerWord(int index)
    {
        var letters = new Stack<char>();
        for (int n = index + 1; n > 0; n = (n - 1) / 26)
        {
            letters.Push((char)('a' + ((n - 1) % 26)));
        }

        return ByteLevelEncoding.Encode((byte)' ') + string.Concat(letters);
    }

    private static void WriteRandomQ8_0(Stream destination, long valueCount, int seed)
    {
        var random = new Random(seed);
        long blocks = valueCount / TensorEncoding.Q8_0BlockValues;
        var randomBytes = new byte[BlocksPerChunk * TensorEncoding.Q8_0BlockValues];
        var chunk = new byte[BlocksPerChunk * TensorEncoding.Q8_0BlockBytes];
        Span<byte> scale = stackalloc byte[2];
        BinaryPrimitives.WriteHalfLittleEndian(scale, (Half)(WeightStdDev / QuantizedStdDev));
        sbyte[] quantiles = NormalQuantiles;

        for (long done = 0; done < blocks;)
        {
            int count = (int)Math.Min(BlocksPerChunk, blocks - done);
            random.NextBytes(randomBytes.AsSpan(0, count * TensorEncoding.Q8_0BlockValues));
            for (int block = 0; block < count; block++)
            {
                Span<byte> target = chunk.AsSpan(block * TensorEncoding.Q8_0BlockBytes, TensorEncoding.Q8_0BlockBytes);
                ReadOnlySpan<byte> source = randomBytes.AsSpan(block * TensorEncoding.Q8_0BlockValues, TensorEncoding.Q8_0BlockValues);
                target[0] = scale[0];
                target[1] = scale[1];
                for (int i = 0; i < source.Length; i++)
                {
                    target[2 + i] = (byte)quantiles[source[i]];
                }
            }

            destination.Write(chunk, 0, count * TensorEncoding.Q8_0BlockBytes);
            done += count;
        }
    }

    /// <summary>Maps a uniformly random byte to an int8 that is normally distributed with <see cref="QuantizedStdDev"/>.</summary>
    private static sbyte[] BuildNormalQuantiles()
    {
        var table = new sbyte[256];
        for (int b = 0; b < 256; b++)
        {
            double probability = (b + 0.5) / 256;
            double low = -6, high = 6;
            for (int step = 0; step < 60; step++)
            {
                double middle = (low + high) / 2;
                if (NormalCdf(middle) < probability)
                {
                    low = middle;
                }
                else
                {
                    high = middle;
                }
            }

            table[b] = (sbyte)Math.Clamp(Math.Round(low * QuantizedStdDev), -127, 127);
        }

        return table;
    }

    private static double NormalCdf(double x)
    {
        // Abramowitz and Stegun 7.1.26 (error below 1.5e-7): ample for choosing int8 levels.
        double z = Math.Abs(x) / Math.Sqrt(2);
        double t = 1 / (1 + 0.3275911 * z);
        double polynomial = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
        double erf = 1 - polynomial * Math.Exp(-z * z);
        return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
