using LLama;
using LLama.Native;
using HiPO.ModelHub.Progress;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// Quantizes an F16 GGUF with llama.cpp's own quantizer (through LLamaSharp), with llama-quantize's
/// defaults: the output matrix is quantized too (Q4_K_M puts it in Q6_K).
/// </summary>
internal sealed class ModelQuantizer(ILogger logger, IProgress<ModelProgress>? progress)
{
    /// <summary>The types <see cref="HubOptions.Quantization"/> accepts (any letter case).</summary>
    public const string TypePattern = "(?i)^(F16|Q8_0|Q6_K|Q5_K_M|Q5_K_S|Q5_0|Q4_K_M|Q4_K_S|Q4_0|Q3_K_L|Q3_K_M|Q3_K_S|Q2_K)$";

    /// <summary>The type that means "keep the converted F16 file as it is".</summary>
    public const string Unquantized = "F16";

    private static readonly Dictionary<string, LLamaFtype> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Q8_0"] = LLamaFtype.MOSTLY_Q8_0,
        ["Q6_K"] = LLamaFtype.MOSTLY_Q6_K,
        ["Q5_K_M"] = LLamaFtype.MOSTLY_Q5_K_M,
        ["Q5_K_S"] = LLamaFtype.MOSTLY_Q5_K_S,
        ["Q5_0"] = LLamaFtype.MOSTLY_Q5_0,
        ["Q4_K_M"] = LLamaFtype.MOSTLY_Q4_K_M,
        ["Q4_K_S"] = LLamaFtype.MOSTLY_Q4_K_S,
        ["Q4_0"] = LLamaFtype.MOSTLY_Q4_0,
        ["Q3_K_L"] = LLamaFtype.MOSTLY_Q3_K_L,
        ["Q3_K_M"] = LLamaFtype.MOSTLY_Q3_K_M,
        ["Q3_K_S"] = LLamaFtype.MOSTLY_Q3_K_S,
        ["Q2_K"] = LLamaFtype.MOSTLY_Q2_K,
    };

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>The canonical spelling of a type name (e.g. <c>q4_k_m</c> gives <c>Q4_K_M</c>).</summary>
    public static string Normalize(string type)
    {
        string upper = type.Trim().ToUpperInvariant();
        return upper == Unquantized || Types.ContainsKey(upper)
            ? upper
            : throw new HubException($"Unknown quantization '{type}': use F16 or one of {string.Join(", ", Types.Keys)}.");
    }

    public async Task QuantizeAsync(string source, string destination, string type, CancellationToken ct)
    {
        type = Normalize(type);
        LLamaFtype ftype = Types[type];
        string partial = destination + ".partial";
        logger.LogInformation("Quantizing to {Type}: {Destination}", type, destination);
        var clock = new ProgressClock(progress, ModelStage.Quantize, Path.GetFileName(destination), total: 0);

        // LLamaQuantizer reaches llama.cpp through a class that does not install LLamaSharp's library
        // resolver, so in a process that has not called llama.cpp yet the library is not found.
        // Any NativeApi call installs it (and honours NativeLibraryConfig, if the host set it).
        NativeApi.llama_empty_call();

        // llama.cpp's quantizer has neither a progress callback nor a way to stop it: progress is the
        // output file growing tensor by tensor, and a cancelled caller stops waiting while it finishes.
        var quantize = Task.Run(
            () => LLamaQuantizer.Quantize(source, partial, ftype, Environment.ProcessorCount, allowRequantize: false, quantizeOutputTensor: true),
            CancellationToken.None);
        while (!quantize.IsCompleted)
        {
            await Task.WhenAny(quantize, Task.Delay(PollInterval, ct));
            ct.ThrowIfCancellationRequested();
            clock.Report(File.Exists(partial) ? new FileInfo(partial).Length : 0);
        }

        if (!await quantize)
        {
            File.Delete(partial);
            throw new HubException($"llama.cpp could not quantize {source} to {type}; its log says why.");
        }

        File.Move(partial, destination, overwrite: true);
        clock.Finish(new FileInfo(destination).Length);
    }
}
