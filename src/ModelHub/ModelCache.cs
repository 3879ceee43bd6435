namespace HiPO.ModelHub;

/// <summary>
/// Where one hub repository's files live in the cache:
/// <code>
/// {cache}/hf/{owner}/{repo}/{repo}-{TYPE}.gguf   the model served for hf:owner/repo with Quantization TYPE
/// {cache}/hf/{owner}/{repo}/files/{path}         a file named in hf:owner/repo/{path}, as the hub serves it
/// {cache}/hf/{owner}/{repo}/checkpoint/{path}    safetensors and tokenizer files while they are converted
/// </code>
/// A file has its final name only when it is complete and verified, so its presence alone means "cached".
/// </summary>
internal sealed class ModelCache(string cacheDirectory, HubReference reference)
{
    private readonly string _root = Path.Combine(Path.GetFullPath(cacheDirectory), "hf", reference.Owner, reference.Name);

    public string ModelPath(string quantization) => Path.Combine(_root, $"{reference.Name}-{quantization}.gguf");

    public string FilePath(string repositoryPath) => Path.Combine(_root, "files", repositoryPath);

    public string CheckpointDirectory => Path.Combine(_root, "checkpoint");

    public string CheckpointPath(string repositoryPath) => Path.Combine(CheckpointDirectory, repositoryPath);
}
