using System.Text;

namespace HiPO.Gguf;

/// <summary>
/// Reads the header of a GGUF file (metadata and tensor infos, not the tensor data), e.g. to check
/// that a file is a model before handing it to llama.cpp and to show its <c>general.name</c>.
/// </summary>
public static class GgufReader
{
    private static ReadOnlySpan<byte> Magic => "GGUF"u8;

    /// <summary>Reads the metadata key/values of the GGUF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a GGUF file, or is truncated or corrupt.</exception>
    public static IReadOnlyDictionary<string, object> ReadMetadata(string path) => Read(path, withTensors: false).Metadata;

    /// <summary>Reads the metadata and tensor infos of the GGUF file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a GGUF file, or is truncated or corrupt.</exception>
    public static GgufFile Read(string path) => Read(path, withTensors: true);

    private static GgufFile Read(string path, bool withTensors)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using var reader = new BinaryReader(file, Encoding.UTF8);
        try
        {
            Span<byte> magic = stackalloc byte[4];
            if (file.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual(Magic))
            {
                throw new InvalidDataException($"'{path}' is not a GGUF file: it does not start with the bytes \"GGUF\".");
            }

            uint version = reader.ReadUInt32();
            if (version is not (2 or 3))
            {
                throw new InvalidDataException($"'{path}' is GGUF version {version}; only versions 2 and 3 are supported.");
            }

            var header = new HeaderReader(reader, path);
            long tensorCount = header.ReadCount();
            long metadataCount = header.ReadCount();
            var metadata = new Dictionary<string, object>((int)Math.Min(metadataCount, 4096), StringComparer.Ordinal);
            for (long i = 0; i < metadataCount; i++)
            {
                string key = header.ReadString();
                var type = (GgufValueType)reader.ReadUInt32();
                if (!metadata.TryAdd(key, header.ReadValue(type)))
                {
                    throw new InvalidDataException($"'{path}' is corrupt: metadata key '{key}' appears twice.");
                }
            }

            int alignment = metadata.TryGetValue("general.alignment", out object? value) && value is uint a && a > 0
                ? (int)a
                : GgufWriter.DefaultAlignment;
            if (!withTensors)
            {
                return new GgufFile(version, metadata, [], alignment, -1);
            }

            var infos = new List<(string Name, GgmlType Type, long[] Shape, long Offset)>();
            for (long i = 0; i < tensorCount; i++)
            {
                string name = header.ReadString();
                uint dimensions = reader.ReadUInt32();
                if (dimensions is < 1 or > 4)
                {
                    throw new InvalidDataException($"'{path}' is corrupt: tensor '{name}' has {dimensions} dimensions.");
                }

                long[] shape = new long[dimensions];
                for (int d = 0; d < shape.Length; d++)
                {
                    shape[d] = checked((long)reader.ReadUInt64());
                }

                infos.Add((name, (GgmlType)reader.ReadUInt32(), shape, checked((long)reader.ReadUInt64())));
            }

            long dataOffset = (file.Position + alignment - 1) / alignment * alignment;
            GgufTensorInfo[] tensors = [.. infos.Select(t => new GgufTensorInfo(t.Name, t.Type, t.Shape, dataOffset + t.Offset))];
            return new GgufFile(version, metadata, tensors, alignment, dataOffset);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"'{path}' is not a valid GGUF file: it ends inside its header.", e);
        }
        catch (OverflowException e)
        {
            throw new InvalidDataException($"'{path}' is corrupt: a size in its header is out of range.", e);
        }
    }

    /// <summary>Reads counted strings and values, refusing counts larger than the rest of the file.</summary>
    private sealed class HeaderReader(BinaryReader reader, string path)
    {
        private long Remaining => reader.BaseStream.Length - reader.BaseStream.Position;

        public long ReadCount(long elementBytes = 0)
        {
            ulong count = reader.ReadUInt64();
            if (count > (ulong)Remaining || (elementBytes > 0 && count > (ulong)(Remaining / elementBytes)))
            {
                throw new InvalidDataException($"'{path}' is corrupt: a count of {count} runs past the end of the file.");
            }

            return (long)count;
        }

        public string ReadString()
        {
            int length = checked((int)ReadCount(1));
            return Encoding.UTF8.GetString(reader.ReadBytes(length));
        }

        public object ReadValue(GgufValueType type) => type switch
        {
            GgufValueType.UInt8 => reader.ReadByte(),
            GgufValueType.Int8 => reader.ReadSByte(),
            GgufValueType.UInt16 => reader.ReadUInt16(),
            GgufValueType.Int16 => reader.ReadInt16(),
            GgufValueType.UInt32 => reader.ReadUInt32(),
            GgufValueType.Int32 => reader.ReadInt32(),
            GgufValueType.Float32 => reader.ReadSingle(),
            GgufValueType.Bool => reader.ReadByte() != 0,
            GgufValueType.String => ReadString(),
            GgufValueType.UInt64 => reader.ReadUInt64(),
            GgufValueType.Int64 => reader.ReadInt64(),
            GgufValueType.Float64 => reader.ReadDouble(),
            GgufValueType.Array => ReadArray(),
            _ => throw new InvalidDataException($"'{path}' is corrupt: unknown metadata value type {(uint)type}."),
        };

        private object ReadArray()
        {
            var elementType = (GgufValueType)reader.ReadUInt32();
            int count = checked((int)ReadCount(elementType is GgufValueType.String or GgufValueType.Array ? 8 : 1));
            return elementType switch
            {
                GgufValueType.UInt8 => reader.ReadBytes(count),
                GgufValueType.Int8 => Fill(count, reader.ReadSByte),
                GgufValueType.UInt16 => Fill(count, reader.ReadUInt16),
                GgufValueType.Int16 => Fill(count, reader.ReadInt16),
                GgufValueType.UInt32 => Fill(count, reader.ReadUInt32),
                GgufValueType.Int32 => Fill(count, reader.ReadInt32),
                GgufValueType.Float32 => Fill(count, reader.ReadSingle),
                GgufValueType.Bool => Fill(count, () => reader.ReadByte() != 0),
                GgufValueType.String => Fill(count, ReadString),
                GgufValueType.UInt64 => Fill(count, reader.ReadUInt64),
                GgufValueType.Int64 => Fill(count, reader.ReadInt64),
                GgufValueType.Float64 => Fill(count, reader.ReadDouble),
                GgufValueType.Array => Fill(count, ReadArray),
                _ => throw new InvalidDataException($"'{path}' is corrupt: unknown array element type {(uint)elementType}."),
            };
        }

        private static T[] Fill<T>(int count, Func<T> read)
        {
            var values = new T[count];
            for (int i = 0; i < count; i++)
            {
                values[i] = read();
            }

            return values;
        }
    }
}
