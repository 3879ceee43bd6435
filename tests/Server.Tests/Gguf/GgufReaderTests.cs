namespace HiPO.Server.Tests.Gguf;

public sealed class GgufReaderTests : GgufFileTests
{
    [Fact]
    public void A_file_that_is_not_gguf_is_rejected_with_a_clear_message()
    {
        string path = FilePath("model.gguf");
        File.WriteAllText(path, "this is a text file, not a model");

        var error = Assert.Throws<InvalidDataException>(() => GgufReader.ReadMetadata(path));

        Assert.Contains("not a GGUF file", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void An_empty_file_is_rejected()
    {
        string path = FilePath("empty.gguf");
        File.WriteAllBytes(path, []);

        Assert.Throws<InvalidDataException>(() => GgufReader.Read(path));
    }

    [Fact]
    public void A_truncated_file_is_rejected()
    {
        string path = FilePath("model.gguf");
        ScriptedModels.ThinkOff.Write(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..2000]);

        var error = Assert.Throws<InvalidDataException>(() => GgufReader.ReadMetadata(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void A_model_reports_its_name_and_architecture()
    {
        string path = FilePath("demo.gguf");
        ScriptedModels.Demo.Write(path);

        IReadOnlyDictionary<string, object> metadata = GgufReader.ReadMetadata(path);

        Assert.Equal("hipo-demo", metadata["general.name"]);
        Assert.Equal("qwen3", metadata["general.architecture"]);
    }
}
