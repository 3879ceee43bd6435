namespace HiPO.Gguf;

/// <summary>The header of a GGUF file: its metadata and where each tensor's data lies.</summary>
/// <param name="Version">The GGUF format version (2 or 3).</param>
/// <param name="Metadata">
/// Key/values; scalars as their .NET type (<see cref="uint"/>, <see cref="float"/>, <see cref="string"/>, ...),
/// arrays as typed arrays (<c>string[]</c>, <c>int[]</c>, ...; nested arrays as <c>object[]</c>).
/// </param>
/// <param name="Tensors">The tensor infos, in file order.</param>
/// <param name="Alignment">The data alignment (<c>general.alignment</c>, 32 when absent).</param>
/// <param name="DataOffset">The file offset where the tensor data section starts.</param>
public sealed record GgufFile(
    uint Version,
    IReadOnlyDictionary<string, object> Metadata,
    IReadOnlyList<GgufTensorInfo> Tensors,
    int Alignment,
    long DataOffset);

/// <summary>One tensor of a GGUF file.</summary>
/// <param name="Name">The tensor name, e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Type">The element type (a raw number when it is not a named <see cref="GgmlType"/>).</param>
/// <param name="Shape">The dimensions in ggml order, contiguous dimension first.</param>
/// <param name="Offset">The absolute file offset of the tensor's data.</param>
public sealed record GgufTensorInfo(string Name, GgmlType Type, IReadOnlyList<long> Shape, long Offset);
