namespace HiPO.Inference.StructuredOutput;

/// <summary>A JSON schema uses a construct the grammar converter does not support; <see cref="Path"/> locates it.</summary>
public sealed class UnsupportedSchemaException(string path, string message) : Exception(message)
{
    public string Path { get; } = path;
}
