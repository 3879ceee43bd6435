namespace HiPO.Server.Tests.Gguf;

/// <summary>Base of the test classes that write GGUF files: each test gets a fresh temporary folder, deleted after it.</summary>
public abstract class GgufFileTests : IDisposable
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory("hipo-gguf-tests-").FullName;

    protected string FilePath(string name) => Path.Combine(Folder, name);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
