using HiPO.Gguf.Scripting;

namespace HiPO.Server.Tests.Support;

/// <summary>The scripted GGUF fixtures, written once per test run into a temporary folder.</summary>
public static class TestModels
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("hipo-test-models-").FullName;
    private static readonly Lock Gate = new();

    public static string PathOf(ScriptedFixture fixture)
    {
        var path = Path.Combine(Folder, fixture.Name + ".gguf");
        lock (Gate)
        {
            if (!File.Exists(path))
                fixture.Write(path);
        }
        return path;
    }
}
