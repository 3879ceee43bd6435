using System.Globalization;

namespace HiPO.Bench;

/// <summary>The benchmark's few switches; everything else is fixed by <see cref="BenchmarkSettings"/> so runs stay comparable.</summary>
public sealed record CommandLineOptions(BenchmarkSettings Settings, string OutputFolder)
{
    public const string Usage =
        "Usage: dotnet run -c Release --project bench/HiPO.Bench -- [--quick] [--only PHASES] [--model PATH] [--quant Q8_0|Q4_K_M] [--waves N] [--out FOLDER]\n" +
        "  --quick   smoke run: the scripted model instead of the 1.7B one, a few tokens on the proxy (seconds)\n" +
        "  --only    run only these phases, comma-separated: shape ((a)-(c), 1.7B shape), overhead ((d)), proxy ((e), GPU proxy), shared ((f), shared system prompt), adaptive ((g), load-adaptive thinking off vs on)\n" +
        "  --model   measure this GGUF instead of the generated random HiPO-1.7B-shape model\n" +
        "  --quant   type of the generated model: Q8_0 (default) or Q4_K_M (quantized by llama.cpp)\n" +
        "  --waves   repetitions of each batch size and concurrency, at least (default 2, and up to 8 sequences at small levels)\n" +
        "  --out     folder for the JSON and markdown results (default bench/results)";

    /// <summary>Null when the arguments are not understood.</summary>
    public static CommandLineOptions? Parse(string[] args, string repositoryRoot)
    {
        var models = Path.Combine(repositoryRoot, "bench", "models");
        var output = Path.Combine(repositoryRoot, "bench", "results");
        var settings = args.Contains("--quick") ? BenchmarkSettings.QuickRun(models) : BenchmarkSettings.FullRun(models);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--quick":
                    continue;
                case "--model" when value is not null:
                    settings = settings with { ModelPath = Path.GetFullPath(value) };
                    break;
                case "--only" when ParsePhases(value) is { } phases:
                    settings = settings with { Phases = phases };
                    break;
                case "--quant" when value is "Q8_0" or "q8_0" or "Q4_K_M" or "q4_k_m":
                    settings = settings with { Quantization = value.ToUpperInvariant() };
                    break;
                case "--waves" when int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var waves) && waves > 0:
                    settings = settings with { Waves = waves };
                    break;
                case "--out" when value is not null:
                    output = Path.GetFullPath(value);
                    break;
                default:
                    return null;
            }
            i++;
        }
        return new CommandLineOptions(settings, output);
    }

    private static BenchmarkPhases? ParsePhases(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        BenchmarkPhases phases = 0;
        foreach (var name in value.Split(','))
        {
            if (!Enum.TryParse<BenchmarkPhases>(name, ignoreCase: true, out var phase) || phase == BenchmarkPhases.All || !Enum.IsDefined(phase))
                return null;
            phases |= phase;
        }
        return phases;
    }
}
