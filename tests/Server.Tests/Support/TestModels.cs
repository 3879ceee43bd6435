namespace HiPO.Server.Tests.Support;

/// <summary>The scripted GGUF fixtures, written once per test run into a temporary folder.</summary>
public static class TestModels
{
    private static readonly string Folder = Directory.CreateTempSubdirectory("hipo-test-models-").FullName;
    private static readonly Lock Gate = new();

    /// <summary>Tokens the server generates for a HiPO-format reply: it ends the reply at <c>&lt;/answer&gt;</c>, before the end-of-turn token.</summary>
    public static int AnswerClosedTokens(ScriptedFixture fixture) => fixture.Reply.TokenCount - 1;

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
