using HiPO.Inference.Hosting;

namespace HiPO.Server.Tests.Inference;

public sealed class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hipo-modelfile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_missing_file_is_named_with_the_reason()
    {
        var path = Path.Combine(_dir, "nope.gguf");
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Validate(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("file not found", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_gguf_is_refused()
    {
        var path = Path.Combine(_dir, "model.safetensors");
        File.WriteAllText(path, "{\"__metadata__\":{}}");
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Validate(path));
        Assert.Contains("not a GGUF file", e.Message);
    }

    [Fact]
    public void A_directory_is_refused()
    {
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Validate(_dir));
        Assert.Contains("directory", e.Message);
    }

    [Fact]
    public void No_configured_model_says_how_to_configure_one()
    {
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Validate(null));
        Assert.Contains("--model", e.Message);
    }
}
