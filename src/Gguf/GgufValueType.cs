namespace HiPO.Gguf;

/// <summary>The value types of GGUF metadata, in the order of the GGUF specification, which numbers them from 0.</summary>
public enum GgufValueType : uint
{
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    Float32,
    Bool,
    String,
    Array,
    UInt64,
    Int64,
    Float64,
}
