using System.Buffers.Binary;

namespace HiPO.Server.Tests.Gguf;

public sealed class GgufWriterTests : GgufFileTests
{
    [Fact]
    public void Metadata_of_every_type_round_trips_through_the_reader()
    {
        var writer = new GgufWriter();
        writer.AddUInt32("test.u32", 4_000_000_000);
        writer.AddInt32("test.i32", -7);
        writer.AddUInt64("test.u64", ulong.MaxValue);
        writer.AddFloat32("test.f32", 1e-6f);
        writer.AddBool("test.bool", true);
        writer.AddString("test.string", "HiPO 你好 😀");
        writer.AddStringArray("test.strings", ["<think>", "Ġhello", ""]);
        writer.AddStringArray("test.empty", []);
        writer.AddInt32Array("test.i32s", [1, -2, 3]);
        writer.AddUInt32Array("test.u32s", [5u, 6u]);
        writer.AddFloat32Array("test.f32s", [0.5f, -1.25f]);
        string path = FilePath("metadata.gguf");

        writer.WriteTo(path);

        GgufFile file = GgufReader.Read(path);
        Assert.Equal(3u, file.Version);
        Assert.Empty(file.Tensors);
        IReadOnlyDictionary<string, object> metadata = file.Metadata;
        Assert.Equal(32u, metadata["general.alignment"]);
        Assert.Equal(4_000_000_000u, metadata["test.u32"]);
        Assert.Equal(-7, metadata["test.i32"]);
        Assert.Equal(ulong.MaxValue, metadata["test.u64"]);
        Assert.Equal(1e-6f, metadata["test.f32"]);
        Assert.Equal(true, metadata["test.bool"]);
        Assert.Equal("HiPO 你好 😀", metadata["test.string"]);
        Assert.Equal(["<think>", "Ġhello", ""], (string[])metadata["test.strings"]);
        Assert.Empty((string[])metadata["test.empty"]);
        Assert.Equal([1, -2, 3], (int[])metadata["test.i32s"]);
        Assert.Equal([5u, 6u], (uint[])metadata["test.u32s"]);
        Assert.Equal([0.5f, -1.25f], (float[])metadata["test.f32s"]);
        Assert.Equal(metadata, GgufReader.ReadMetadata(path));
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void Tensor_data_is_aligned_and_lies_at_the_offsets_the_header_gives(int alignment)
    {
        float[] f32 = [1f, -2f, 3.5f];
        float[] f16 = [0.5f, -0.25f, 65504f, 0f];
        float[] q8 = [.. Enumerable.Range(0, 64).Select(i => (i - 32) / 10f)];
        var writer = new GgufWriter(alignment);
        writer.AddTensor("a.f32", GgmlType.F32, [3], data => TensorEncoding.WriteF32(data, f32));
        writer.AddTensor("b.f16", GgmlType.F16, [2, 2], data => TensorEncoding.WriteF16(data, f16));
        writer.AddTensor("c.q8_0", GgmlType.Q8_0, [32, 2], data => TensorEncoding.WriteQ8_0(data, q8));
        string path = FilePath("tensors.gguf");

        writer.WriteTo(path);

        GgufFile file = GgufReader.Read(path);
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(alignment, file.Alignment);
        Assert.Equal(0, file.DataOffset % alignment);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % alignment));
        Assert.Equal(["a.f32", "b.f16", "c.q8_0"], file.Tensors.Select(t => t.Name));
        Assert.Equal([GgmlType.F32, GgmlType.F16, GgmlType.Q8_0], file.Tensors.Select(t => t.Type));
        Assert.Equal([2L, 2L], file.Tensors[1].Shape);

        Assert.Equal(f32, Enumerable.Range(0, 3).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)file.Tensors[0].Offset + (4 * i)))));
        Assert.Equal(f16, Enumerable.Range(0, 4).Select(i => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan((int)file.Tensors[1].Offset + (2 * i)))));
        var expectedQ8 = new MemoryStream();
        TensorEncoding.WriteQ8_0(expectedQ8, q8);
        Assert.Equal(expectedQ8.ToArray(), bytes.AsSpan((int)file.Tensors[2].Offset, 68).ToArray());
        Assert.Equal(0, bytes.Length % alignment);
    }

    [Fact]
    public void Q8_0_blocks_hold_an_f16_scale_and_32_rounded_int8_values()
    {
        float[] values = [.. Enumerable.Range(0, 32).Select(i => i == 5 ? -2.54f : i * 0.01f)];
        var stream = new MemoryStream();

        TensorEncoding.WriteQ8_0(stream, values);

        byte[] block = stream.ToArray();
        Assert.Equal(TensorEncoding.Q8_0BlockBytes, block.Length);
        Assert.Equal((Half)0.02f, BinaryPrimitives.ReadHalfLittleEndian(block));
        Assert.Equal(-127, (sbyte)block[2 + 5]);
        Assert.Equal(0, (sbyte)block[2]);
        Assert.Equal(15, (sbyte)block[2 + 30]);
        Assert.Equal(TensorEncoding.Q8_0BlockBytes * 2L, TensorEncoding.ByteSize(GgmlType.Q8_0, 64));
    }

    [Fact]
    public void A_producer_that_writes_the_wrong_size_fails_and_leaves_no_file()
    {
        var writer = new GgufWriter();
        writer.AddTensor("short", GgmlType.F32, [4], data => TensorEncoding.WriteF32(data, [1f, 2f]));
        string path = FilePath("short.gguf");

        var error = Assert.Throws<InvalidOperationException>(() => writer.WriteTo(path));

        Assert.Contains("'short'", error.Message);
        Assert.Empty(Directory.GetFiles(Folder));
    }

    [Fact]
    public void A_producer_that_writes_too_much_is_stopped()
    {
        var writer = new GgufWriter();
        writer.AddTensor("long", GgmlType.F32, [1], data => TensorEncoding.WriteF32(data, [1f, 2f]));

        Assert.Throws<InvalidOperationException>(() => writer.WriteTo(FilePath("long.gguf")));
    }

    [Fact]
    public void Invalid_declarations_are_rejected_when_made()
    {
        var writer = new GgufWriter();
        writer.AddString("general.name", "x");
        writer.AddTensor("t", GgmlType.F32, [1], _ => { });

        Assert.Throws<ArgumentException>(() => writer.AddString("general.name", "y"));
        Assert.Throws<ArgumentException>(() => writer.AddUInt32("general.alignment", 64));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("t", GgmlType.F32, [1], _ => { }));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("q", GgmlType.Q8_0, [48], _ => { }));
        Assert.Throws<ArgumentException>(() => writer.AddTensor("z", GgmlType.F32, [0], _ => { }));
        Assert.Throws<ArgumentException>(() => writer.AddTensor(new string('n', 64), GgmlType.F32, [1], _ => { }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GgufWriter(alignment: 48));
    }

    [Fact]
    public void Progress_rises_to_one_over_the_tensor_data()
    {
        var reports = new List<double>();
        var writer = new GgufWriter();
        float[] values = new float[64 * 1024];
        writer.AddTensor("a", GgmlType.F32, [values.Length], data => TensorEncoding.WriteF32(data, values));
        writer.AddTensor("b", GgmlType.F32, [values.Length], data => TensorEncoding.WriteF32(data, values));

        writer.WriteTo(FilePath("progress.gguf"), new SynchronousProgress(reports.Add));

        Assert.Equal(0, reports[0]);
        Assert.Equal(1, reports[^1]);
        Assert.Contains(reports, r => r is > 0.4 and < 0.6);
        Assert.Equal(reports.Order(), reports);
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
