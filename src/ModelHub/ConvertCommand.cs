using HiPO.ModelHub.Conversion;
using HiPO.ModelHub.Progress;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub;

/// <summary>
/// <c>hipo-server convert &lt;hf:owner/repo | checkpoint-folder&gt; [--quant TYPE] [--out FILE.gguf]</c>:
/// converts a Hugging Face Qwen3 checkpoint to GGUF and quantizes it, drawing progress on stderr and
/// printing the output path on stdout. Without <c>--out</c> a hub model goes to the cache, where
/// <c>--model hf:owner/repo</c> then finds it, and a folder's model goes into the folder.
/// </summary>
public static class ConvertCommand
{
    public const string Verb = "convert";

    public const string Usage =
        "usage: hipo-server convert <hf:owner/repo | checkpoint-folder> [--quant F16|Q8_0|Q6_K|Q5_K_M|Q4_K_M|...] [--out FILE.gguf]";

    /// <param name="args">The arguments after the verb.</param>
    /// <param name="options">Hub settings (endpoint, token, cache); <c>--quant</c> overrides their quantization.</param>
    /// <returns>0 on success; 1 with a one-line reason on stderr otherwise.</returns>
    public static async Task<int> RunAsync(string[] args, HubOptions options, ILoggerFactory loggers, CancellationToken ct)
    {
        var error = Console.Error;
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            await Console.Out.WriteLineAsync(Usage);
            return 0;
        }
        var logger = loggers.CreateLogger(typeof(ConvertCommand).FullName!);
        try
        {
            var request = ConvertRequest.Parse(args, options.Quantization);
            var progress = new ConsoleProgressBar(error, interactive: !Console.IsErrorRedirected);
            string output;
            if (ModelResolver.IsHubReference(request.Source))
            {
                var reference = ModelResolver.ParseReference(request.Source);
                if (reference.FilePath is not null)
                {
                    throw new HubException($"{reference} is a GGUF file already; convert takes a repository (hf:owner/repo) or a checkpoint folder.");
                }

                output = request.Output ?? new ModelCache(options.CacheDirectory, reference).ModelPath(request.Quantization);
                using var http = new HttpClient();
                await new ModelResolver(options, http, logger, progress).BuildFromCheckpointAsync(reference, output, request.Quantization, ct);
            }
            else
            {
                string folder = Path.GetFullPath(request.Source);
                if (!Directory.Exists(folder))
                {
                    throw new HubException($"{request.Source} is neither hf:owner/repo nor a checkpoint folder.");
                }

                string name = Path.GetFileName(folder.TrimEnd(Path.DirectorySeparatorChar));
                output = request.Output ?? Path.Combine(folder, $"{name}-{request.Quantization}.gguf");
                await new ModelBuilder(logger, progress).BuildAsync(folder, output, request.Quantization, name, ct);
            }

            Console.Out.WriteLine(Path.GetFullPath(output));
            return 0;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await error.WriteLineAsync("convert: cancelled");
            return 1;
        }
        catch (Exception e)
        {
            // A command line ends in one readable line; the stack trace is for whoever turns on debug logging.
            logger.LogDebug(e, "convert failed");
            await error.WriteLineAsync($"convert: {e.Message.Split('\n', 2)[0].TrimEnd()}");
            return 1;
        }
    }

    /// <summary>The parsed command line.</summary>
    private sealed record ConvertRequest(string Source, string Quantization, string? Output)
    {
        public static ConvertRequest Parse(string[] args, string defaultQuantization)
        {
            string? source = null;
            string quantization = defaultQuantization;
            string? output = null;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--quant" or "-q" when i + 1 < args.Length:
                        quantization = args[++i];
                        break;
                    case "--out" or "-o" when i + 1 < args.Length:
                        output = args[++i];
                        break;
                    case var arg when arg.StartsWith('-') || source is not null:
                        throw new HubException($"unexpected argument '{arg}'. {Usage}");
                    default:
                        source = args[i];
                        break;
                }
            }

            return source is null
                ? throw new HubException($"no model given. {Usage}")
                : new ConvertRequest(source, ModelQuantizer.Normalize(quantization), output);
        }
    }
}
