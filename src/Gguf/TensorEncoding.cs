using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace HiPO.Gguf;

/// <summary>
/// Encodes tensor values in ggml's on-disk layouts (little-endian): F32, F16 and Q8_0, whose blocks
/// hold 32 values as one F16 scale followed by 32 signed bytes.
/// </summary>
public static class TensorEncoding
{
    /// <summary>Values per Q8_0 block.</summary>
    public const int Q8_0BlockValues = 32;

    /// <summary>Bytes per Q8_0 block: an F16 scale and 32 int8 values.</summary>
    public const int Q8_0BlockBytes = 2 + Q8_0BlockValues;

    /// <summary>How many consecutive values share one block of <paramref name="type"/>.</summary>
    public static int BlockValues(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 => 1,
        GgmlType.Q8_0 => Q8_0BlockValues,
        _ => throw new NotSupportedException($"ggml type {type} is not supported."),
    };

    /// <summary>The size in bytes of <paramref name="valueCount"/> values of <paramref name="type"/>.</summary>
    public static long ByteSize(GgmlType type, long valueCount)
    {
        int blockValues = BlockValues(type);
        if (valueCount % blockValues != 0)
        {
            throw new ArgumentException(
                $"{type} stores values in blocks of {blockValues}; {valueCount} values do not fill whole blocks.",
                nameof(valueCount));
        }

        long blockBytes = type switch
        {
            GgmlType.F32 => 4,
            GgmlType.F16 => 2,
            _ => Q8_0BlockBytes,
        };
        return valueCount / blockValues * blockBytes;
    }

    /// <summary>Writes <paramref name="values"/> as F32.</summary>
    public static void WriteF32(Stream destination, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        Span<byte> buffer = stackalloc byte[4];
        foreach (float value in values)
        {
            BinaryPrimitives.WriteSingleLittleEndian(buffer, value);
            destination.Write(buffer);
        }
    }

    /// <summary>Writes <paramref name="values"/> as F16 (rounded to the nearest half).</summary>
    public static void WriteF16(Stream destination, ReadOnlySpan<float> values)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(values.Length * 2);
        try
        {
            for (int i = 0; i < values.Length; i++)
            {
                BinaryPrimitives.WriteHalfLittleEndian(buffer.AsSpan(i * 2), (Half)values[i]);
            }

            destination.Write(buffer, 0, values.Length * 2);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Quantizes <paramref name="values"/> to Q8_0 as ggml's reference quantizer does: per block,
    /// scale = max |value| / 127 and each value becomes round(value / scale).
    /// </summary>
    public static void WriteQ8_0(Stream destination, ReadOnlySpan<float> values)
    {
        if (values.Length % Q8_0BlockValues != 0)
        {
            throw new ArgumentException(
                $"Q8_0 needs a multiple of {Q8_0BlockValues} values, got {values.Length}.", nameof(values));
        }

        Span<byte> block = stackalloc byte[Q8_0BlockBytes];
        for (int start = 0; start < values.Length; start += Q8_0BlockValues)
        {
            ReadOnlySpan<float> blockValues = values.Slice(start, Q8_0BlockValues);
            float absMax = 0;
            foreach (float value in blockValues)
            {
                absMax = MathF.Max(absMax, MathF.Abs(value));
            }

            float scale = absMax / 127f;
            float inverse = scale == 0 ? 0 : 1f / scale;
            BinaryPrimitives.WriteHalfLittleEndian(block, (Half)scale);
            for (int i = 0; i < Q8_0BlockValues; i++)
            {
                block[2 + i] = (byte)(sbyte)MathF.Round(blockValues[i] * inverse, MidpointRounding.AwayFromZero);
            }

            destination.Write(block);
        }
    }
}
