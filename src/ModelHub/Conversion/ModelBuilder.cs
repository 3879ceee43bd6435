using HiPO.ModelHub.Progress;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub.Conversion;

/// <summary>Turns a checkpoint folder into the GGUF to serve: convert to F16, then quantize unless F16 was asked for.</summary>
internal sealed class ModelBuilder(ILogger logger, IProgress<ModelProgress>? progress)
{
    public async Task BuildAsync(string checkpoint, string output, string quantization, string modelName, CancellationToken ct)
    {
        string type = ModelQuantizer.Normalize(quantization);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        var converter = new CheckpointConverter(logger, progress);
        if (type == ModelQuantizer.Unquantized)
        {
            await Task.Run(() => converter.Convert(checkpoint, output, modelName, ct), ct);
            return;
        }

        string f16 = output + ".f16.tmp";
        try
        {
            await Task.Run(() => converter.Convert(checkpoint, f16, modelName, ct), ct);
            await new ModelQuantizer(logger, progress).QuantizeAsync(f16, output, type, ct);
        }
        finally
        {
            File.Delete(f16);
        }
    }
}
