using System.Diagnostics;
using HiPO.Gguf.Qwen3;
using HiPO.Gguf.Scripting;
using LLama;
using LLama.Native;

namespace HiPO.Bench;

/// <summary>
/// The models the benchmark runs: a random-weight GGUF of HiPO-1.7B's exact shape (generated once and
/// cached: random weights cost llama.cpp exactly what trained ones do), the GPU proxy (HiPO's vocabulary on
/// tiny layers), and the tiny scripted model whose decoding costs almost nothing, so that what remains is the
/// server's own cost per token.
/// </summary>
public static class BenchModels
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(10);

    /// <summary>
    /// HiPO-1.7B's vocabulary (151,936 tokens, so every per-token pass over the logits costs what it costs with the real
    /// model) on two layers of width 64: a decode step takes a millisecond or two on two CPU cores at one sequence, roughly what the
    /// real model's step takes on a GPU.
    /// </summary>
    public static Qwen3Shape ProxyShape { get; } = Qwen3Shape.HiPO1_7B with
    {
        BlockCount = 2,
        EmbeddingLength = 64,
        HeadCount = 4,
        HeadCountKv = 2,
        HeadDim = 16,
        FeedForwardLength = 128,
    };

    /// <summary>The GPU proxy model (about 10 MB, Q8_0), written if absent.</summary>
    public static string EnsureProxy(string folder, int seed)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, $"hipo-proxy-vocab151936-2x64-seed{seed}-q8_0.gguf");
        if (!File.Exists(path))
        {
            RandomModelWriter.Write(path + ".partial", ProxyShape, "hipo-proxy-random", seed);
            File.Move(path + ".partial", path, overwrite: true);
        }
        return path;
    }

    /// <summary>The random HiPO-1.7B-shape model in <paramref name="quantization"/> (Q8_0 or Q4_K_M), written if absent.</summary>
    public static async Task<string> EnsureRandomAsync(string folder, string quantization, int seed, ProgressLog log, CancellationToken cancellation)
    {
        Directory.CreateDirectory(folder);
        var q8 = Path.Combine(folder, $"hipo-1.7b-random-seed{seed}-q8_0.gguf");
        if (!File.Exists(q8))
        {
            log.Line($"Writing the random HiPO-1.7B-shape Q8_0 model to {q8} (about 1.8 GB, once)");
            var lastTenth = -1;
            var progress = new SynchronousProgress(fraction =>
            {
                var tenth = (int)(fraction * 10);
                if (tenth > lastTenth)
                    log.Line($"    {tenth * 10}%");
                lastTenth = Math.Max(lastTenth, tenth);
            });
            // Written under a temporary name so an interrupted run never leaves a truncated model behind.
            await Task.Run(() => RandomModelWriter.Write(q8 + ".partial", Qwen3Shape.HiPO1_7B, "hipo-1.7b-random", seed, progress, cancellation), cancellation);
            File.Move(q8 + ".partial", q8);
        }
        return quantization.ToUpperInvariant() switch
        {
            "Q8_0" => q8,
            "Q4_K_M" => await EnsureQuantizedAsync(q8, Path.Combine(folder, $"hipo-1.7b-random-seed{seed}-q4_k_m.gguf"), log, cancellation),
            _ => throw new ArgumentException($"Unknown quantization '{quantization}': use Q8_0 or Q4_K_M."),
        };
    }

    /// <summary>Writes the scripted model whose answer never ends, so every request runs to its token budget.</summary>
    public static string WriteScripted(string folder)
    {
        Directory.CreateDirectory(folder);
        var fixture = ScriptedModels.Endless;
        var path = Path.Combine(folder, fixture.Name + ".gguf");
        // Tiny and quick to write: rewritten every run so it always matches the current fixture.
        fixture.Write(path);
        return path;
    }

    /// <summary>
    /// Requantizes the Q8_0 model with llama.cpp's own quantizer (Q8_0 to Q4_K_M costs some precision that
    /// random weights do not have anyway). It reports no progress, so the growing output file stands in.
    /// </summary>
    private static async Task<string> EnsureQuantizedAsync(string source, string destination, ProgressLog log, CancellationToken cancellation)
    {
        if (File.Exists(destination))
            return destination;
        log.Line($"Quantizing to Q4_K_M with llama.cpp: {destination}");
        var partial = destination + ".partial";
        // The quantizer's own P/Invoke does not load llama.cpp: when it is the process's first native call it
        // fails with DllNotFoundException unless LLamaSharp has loaded the library first.
        NativeApi.llama_empty_call();
        var quantize = Task.Run(
            () => LLamaQuantizer.Quantize(source, partial, LLamaFtype.MOSTLY_Q4_K_M, Environment.ProcessorCount, allowRequantize: true, quantizeOutputTensor: true),
            CancellationToken.None);
        var started = Stopwatch.GetTimestamp();
        while (!quantize.IsCompleted)
        {
            await Task.WhenAny(quantize, Task.Delay(PollInterval, cancellation));
            cancellation.ThrowIfCancellationRequested();
            var written = File.Exists(partial) ? new FileInfo(partial).Length : 0;
            log.Line($"    {written / 1e6:0} MB after {Stopwatch.GetElapsedTime(started).TotalSeconds:0} s");
        }
        if (!await quantize)
            throw new InvalidOperationException($"llama.cpp could not quantize {source} to Q4_K_M.");
        File.Move(partial, destination);
        return destination;
    }

    /// <summary>Reports on the writer's thread: <see cref="Progress{T}"/> would post to the thread pool and print out of order.</summary>
    private sealed class SynchronousProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
