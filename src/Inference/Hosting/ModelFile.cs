namespace HiPO.Inference.Hosting;

/// <summary>The model file cannot be served; the message names the path and the reason.</summary>
public sealed class ModelFileException(string path, string reason) : Exception($"Cannot load model '{path}': {reason}")
{
    public string Path { get; } = path;
}

/// <summary>Checks a model file before the slow native load, so a wrong path fails at once with a clear reason.</summary>
public static class ModelFile
{
    public static void Validate(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new ModelFileException("", "no model configured: set Model:Path (--model) to a GGUF file, or use --demo");
        if (Directory.Exists(path))
            throw new ModelFileException(path, "it is a directory, not a GGUF file");
        if (!File.Exists(path))
            throw new ModelFileException(path, "file not found");
        Span<byte> magic = stackalloc byte[4];
        try
        {
            using var stream = File.OpenRead(path);
            if (stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4)
                throw new ModelFileException(path, $"file too small ({stream.Length} bytes) to be a GGUF file");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFileException(path, $"unreadable ({e.Message})");
        }
        if (!magic.SequenceEqual("GGUF"u8))
            throw new ModelFileException(path, "not a GGUF file (it does not start with the GGUF magic); convert the checkpoint to GGUF first");
    }
}
