using System.Text;

namespace HiPO.Gguf;

/// <summary>
/// Writes a GGUF v3 file: metadata key/values, then tensor infos, then tensor data. Tensors are
/// declared first with a producer that streams each tensor's bytes straight to the file when
/// <see cref="WriteTo"/> runs, so multi-gigabyte models never sit in memory.
/// </summary>
/// <example>
/// <code>
/// var writer = new GgufWriter();
/// writer.AddString("general.architecture", "qwen3");
/// writer.AddTensor("output_norm.weight", GgmlType.F32, [2048], data => TensorEncoding.WriteF32(data, ones));
/// writer.WriteTo("model.gguf");
/// </code>
/// </example>
public sealed class GgufWriter
{
    /// <summary>The alignment GGUF assumes when a file does not set <c>general.alignment</c>.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>ggml's longest tensor name (GGML_MAX_NAME less the terminating zero).</summary>
    public const int MaxTensorNameBytes = 63;

    private const uint Magic = 0x46554747; // "GGUF" read as a little-endian uint32
    private const uint Version = 3;

    private readonly List<(string Key, GgufValueType Type, Action<BinaryWriter> Write)> _metadata = [];
    private readonly HashSet<string> _keys = [];
    private readonly List<TensorDeclaration> _tensors = [];
    private readonly HashSet<string> _tensorNames = [];

    /// <summary>Creates a writer whose tensor data is aligned to <paramref name="alignment"/> bytes.</summary>
    public GgufWriter(int alignment = DefaultAlignment)
    {
        if (alignment <= 0 || (alignment & (alignment - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(alignment), alignment, "The alignment must be a power of two.");
        }

        Alignment = alignment;
        AddUInt32("general.alignment", (uint)alignment);
    }

    /// <summary>The alignment of the data section and of every tensor in it, in bytes.</summary>
    public int Alignment { get; }

    public void AddUInt32(string key, uint value) => Add(key, GgufValueType.UInt32, w => w.Write(value));

    public void AddInt32(string key, int value) => Add(key, GgufValueType.Int32, w => w.Write(value));

    public void AddUInt64(string key, ulong value) => Add(key, GgufValueType.UInt64, w => w.Write(value));

    public void AddFloat32(string key, float value) => Add(key, GgufValueType.Float32, w => w.Write(value));

    public void AddBool(string key, bool value) => Add(key, GgufValueType.Bool, w => w.Write(value));

    public void AddString(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        Add(key, GgufValueType.String, w => WriteString(w, value));
    }

    public void AddStringArray(string key, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] copy = [.. values];
        AddArray(key, GgufValueType.String, copy.Length, w =>
        {
            foreach (string value in copy)
            {
                WriteString(w, value);
            }
        });
    }

    public void AddInt32Array(string key, IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int[] copy = [.. values];
        AddArray(key, GgufValueType.Int32, copy.Length, w => Array.ForEach(copy, w.Write));
    }

    public void AddUInt32Array(string key, IReadOnlyList<uint> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        uint[] copy = [.. values];
        AddArray(key, GgufValueType.UInt32, copy.Length, w => Array.ForEach(copy, w.Write));
    }

    public void AddFloat32Array(string key, IReadOnlyList<float> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        float[] copy = [.. values];
        AddArray(key, GgufValueType.Float32, copy.Length, w => Array.ForEach(copy, w.Write));
    }

    /// <summary>
    /// Declares a tensor. <paramref name="shape"/> is in ggml order: the first dimension is the
    /// contiguous one (a weight matrix applied to vectors of width n is <c>[n, rows]</c>).
    /// <paramref name="writeData"/> runs during <see cref="WriteTo"/> and must write exactly the
    /// tensor's byte size, e.g. through <see cref="TensorEncoding"/>.
    /// </summary>
    public void AddTensor(string name, GgmlType type, ReadOnlySpan<long> shape, Action<Stream> writeData)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(writeData);
        if (Encoding.UTF8.GetByteCount(name) > MaxTensorNameBytes)
        {
            throw new ArgumentException($"Tensor name '{name}' is longer than ggml's {MaxTensorNameBytes} bytes.", nameof(name));
        }

        if (shape.Length is < 1 or > 4)
        {
            throw new ArgumentException($"Tensor '{name}' has {shape.Length} dimensions; ggml allows 1 to 4.", nameof(shape));
        }

        long valueCount = 1;
        foreach (long dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException($"Tensor '{name}' has a dimension of {dimension}.", nameof(shape));
            }

            valueCount = checked(valueCount * dimension);
        }

        if (shape[0] % TensorEncoding.BlockValues(type) != 0)
        {
            throw new ArgumentException(
                $"Tensor '{name}': {type} rows must hold a multiple of {TensorEncoding.BlockValues(type)} values, got {shape[0]}.",
                nameof(shape));
        }

        if (!_tensorNames.Add(name))
        {
            throw new ArgumentException($"Tensor '{name}' is already declared.", nameof(name));
        }

        _tensors.Add(new TensorDeclaration(name, type, shape.ToArray(), TensorEncoding.ByteSize(type, valueCount), writeData));
    }

    /// <summary>
    /// Writes the file. It is written next to <paramref name="path"/> first and moved into place
    /// when complete, so an interrupted write never leaves a truncated model behind.
    /// <paramref name="progress"/> receives the fraction of tensor data written, from 0 to 1.
    /// </summary>
    public void WriteTo(string path, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string partialPath = path + ".partial";
        try
        {
            using (var file = new FileStream(partialPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Write(file, progress, cancellationToken);
            }

            File.Move(partialPath, path, overwrite: true);
        }
        catch
        {
            if (File.Exists(partialPath))
            {
                File.Delete(partialPath);
            }

            throw;
        }
    }

    private void Write(FileStream file, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        using var header = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        header.Write(Magic);
        header.Write(Version);
        header.Write((ulong)_tensors.Count);
        header.Write((ulong)_metadata.Count);
        foreach (var (key, type, write) in _metadata)
        {
            WriteString(header, key);
            header.Write((uint)type);
            write(header);
        }

        long offset = 0;
        foreach (TensorDeclaration tensor in _tensors)
        {
            WriteString(header, tensor.Name);
            header.Write((uint)tensor.Shape.Length);
            foreach (long dimension in tensor.Shape)
            {
                header.Write((ulong)dimension);
            }

            header.Write((uint)tensor.Type);
            header.Write((ulong)offset);
            offset = Align(offset + tensor.ByteSize);
        }

        header.Flush();
        Pad(file);

        long totalBytes = Math.Max(1, _tensors.Sum(t => t.ByteSize));
        long writtenBefore = 0;
        progress?.Report(0);
        foreach (TensorDeclaration tensor in _tensors)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var data = new TensorDataStream(file, tensor.Name, tensor.ByteSize, writtenBefore, totalBytes, progress, cancellationToken))
            {
                tensor.WriteData(data);
                data.EnsureComplete();
            }

            writtenBefore += tensor.ByteSize;
            Pad(file);
        }

        progress?.Report(1);
    }

    private void Add(string key, GgufValueType type, Action<BinaryWriter> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_keys.Add(key))
        {
            throw new ArgumentException($"Metadata key '{key}' is already set.", nameof(key));
        }

        _metadata.Add((key, type, write));
    }

    private void AddArray(string key, GgufValueType elementType, int count, Action<BinaryWriter> writeElements) =>
        Add(key, GgufValueType.Array, w =>
        {
            w.Write((uint)elementType);
            w.Write((ulong)count);
            writeElements(w);
        });

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;

    private void Pad(FileStream file)
    {
        long padding = Align(file.Position) - file.Position;
        for (long i = 0; i < padding; i++)
        {
            file.WriteByte(0);
        }
    }

    private sealed record TensorDeclaration(string Name, GgmlType Type, long[] Shape, long ByteSize, Action<Stream> WriteData);
}
