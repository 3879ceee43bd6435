using HiPO.Gguf.Scripting;

namespace HiPO.Inference.Hosting;

/// <summary>The scripted HiPO-format model behind <c>--demo</c>: generated on first use, no download needed.</summary>
public static class DemoModel
{
    public const string Id = "hipo-demo";

    public static string EnsureWritten()
    {
        var path = Path.Combine(Path.GetTempPath(), "hipo-server", $"hipo-demo-{typeof(DemoModel).Assembly.ManifestModule.ModuleVersionId:N}.gguf");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = path + ".tmp" + Environment.ProcessId;
            ScriptedModels.Demo.Write(temp);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }
}
