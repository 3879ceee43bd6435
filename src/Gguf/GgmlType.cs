namespace HiPO.Gguf;

/// <summary>
/// ggml tensor element types, numbered as in ggml.h. Only the types this project writes are named;
/// a reader may meet others and keeps them as their raw number.
/// </summary>
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
}
