using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// Reads a <c>.safetensors</c> file: a little-endian u64 header length, a JSON header naming each
/// tensor's dtype, shape (row-major, outermost first) and byte range, then the raw data.
/// </summary>
internal sealed class SafetensorsFile
{
    private const long MaxHeaderBytes = 100 << 20;

    private SafetensorsFile(string path, long dataStart, IReadOnlyList<SafetensorsTensor> tensors)
    {
        Path = path;
        DataStart = dataStart;
        Tensors = tensors;
    }

    public string Path { get; }

    public long DataStart { get; }

    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    public static SafetensorsFile Open(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (file.ReadAtLeast(lengthBytes, 8, throwOnEndOfStream: false) < 8)
        {
            throw new HubException($"{path} is not a safetensors file: it is shorter than its header length.");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || (long)headerLength > file.Length - 8)
        {
            throw new HubException($"{path} is not a safetensors file: its header length ({headerLength}) is impossible.");
        }

        var header = new byte[headerLength];
        file.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;
        long dataLength = file.Length - dataStart;

        var tensors = new List<SafetensorsTensor>();
        try
        {
            using var json = JsonDocument.Parse(header);
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                var entry = property.Value;
                var dtype = ParseDType(entry.GetProperty("dtype").GetString(), path, property.Name);
                long[] shape = [.. entry.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64())];
                long[] offsets = [.. entry.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64())];
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || shape.Any(d => d < 0))
                {
                    throw new HubException($"{path} is corrupt: tensor {property.Name} has an impossible shape or byte range.");
                }

                var tensor = new SafetensorsTensor(property.Name, dtype, shape, dataStart + offsets[0], offsets[1] - offsets[0], path);
                if (tensor.ByteLength != tensor.ValueCount * tensor.ElementBytes)
                {
                    throw new HubException($"{path} is corrupt: tensor {property.Name}'s byte range does not match its shape.");
                }

                tensors.Add(tensor);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new HubException($"{path} has an unreadable safetensors header: {e.Message}", inner: e);
        }

        return new SafetensorsFile(path, dataStart, tensors);
    }

    private static SafetensorsDType ParseDType(string? dtype, string path, string tensor) => dtype switch
    {
        "F32" => SafetensorsDType.F32,
        "F16" => SafetensorsDType.F16,
        "BF16" => SafetensorsDType.BF16,
        _ => throw new HubException($"{path}: tensor {tensor} is {dtype}; only F32, F16 and BF16 checkpoints can be converted."),
    };
}

internal enum SafetensorsDType
{
    F32,
    F16,
    BF16,
}

/// <summary>One tensor of a safetensors file and where its bytes lie.</summary>
internal sealed record SafetensorsTensor(string Name, SafetensorsDType DType, long[] Shape, long Offset, long ByteLength, string FilePath)
{
    private const int ChunkValues = 1 << 20;

    public long ValueCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);

    public int ElementBytes => DType == SafetensorsDType.F32 ? 4 : 2;

    /// <summary>Reads the values as floats in chunks, so a tensor of gigabytes never sits in memory whole.</summary>
    public void ReadChunks(Action<ReadOnlySpan<float>> consume)
    {
        using var file = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        file.Seek(Offset, SeekOrigin.Begin);
        var raw = new byte[ChunkValues * ElementBytes];
        var values = new float[ChunkValues];
        for (long remaining = ValueCount; remaining > 0;)
        {
            int count = (int)Math.Min(ChunkValues, remaining);
            file.ReadExactly(raw, 0, count * ElementBytes);
            Decode(raw.AsSpan(0, count * ElementBytes), values.AsSpan(0, count));
            consume(values.AsSpan(0, count));
            remaining -= count;
        }
    }

    private void Decode(ReadOnlySpan<byte> raw, Span<float> values)
    {
        switch (DType)
        {
            case SafetensorsDType.F32 when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(raw).CopyTo(values);
                break;
            case SafetensorsDType.F32:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * 4)..]);
                }

                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw[(i * 2)..]);
                }

                break;
            case SafetensorsDType.BF16:
                // bfloat16 is the upper half of a float32: widening is exact.
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw[(i * 2)..]) << 16);
                }

                break;
        }
    }
}
