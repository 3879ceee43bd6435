using System.ComponentModel.DataAnnotations;

namespace HiPO.Inference.Hosting;

/// <summary>Which GGUF to serve and how to load it (configuration section <c>Model</c>).</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>Path of the GGUF file. Ignored when <see cref="Demo"/> is set.</summary>
    public string? Path { get; set; }

    /// <summary>Serve a generated scripted HiPO-format model instead of real weights.</summary>
    public bool Demo { get; set; }

    /// <summary>Model id reported by the API; defaults to the GGUF's <c>general.name</c>.</summary>
    public string? Id { get; set; }

    /// <summary>Further ids that requests may name for this model.</summary>
    public string[] Aliases { get; set; } = [];

    /// <summary>Serve requests naming any model id instead of refusing unknown ids with 404.</summary>
    public bool AcceptAnyModelId { get; set; }

    /// <summary>KV cache cells shared by all sequences (the total context).</summary>
    [Range(256, 1 << 20)]
    public int ContextSize { get; set; } = 16384;

    /// <summary>Layers offloaded to the GPU; -1 offloads all. Ignored by the CPU backend.</summary>
    [Range(-1, 1000)]
    public int GpuLayers { get; set; } = -1;

    /// <summary>CPU threads for decoding; 0 uses every core.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>Most tokens decoded in one step (logical batch), across all sequences.</summary>
    [Range(32, 65536)]
    public int BatchSize { get; set; } = 512;

    /// <summary>Flash attention: null lets llama.cpp decide.</summary>
    public bool? FlashAttention { get; set; }

    /// <summary>KV cache element type (f16, q8_0, ...).</summary>
    [RegularExpression("^(f32|f16|bf16|q8_0|q4_0|q4_1|q5_0|q5_1)$")]
    public string KvCacheType { get; set; } = "f16";

    /// <summary>GPU used for the whole model, or for small tensors when the model is split.</summary>
    [Range(0, 64)]
    public int MainGpu { get; set; }

    /// <summary>How a model is split over several GPUs: none, layer or row.</summary>
    [RegularExpression("^(none|layer|row)$")]
    public string SplitMode { get; set; } = "layer";

    /// <summary>Explicit path of libllama (e.g. the CUDA 12 build), bypassing LLamaSharp's detection.</summary>
    public string? NativeLibraryPath { get; set; }

    /// <summary>Refuse to start when no GPU backend loaded (a GPU deployment silently running on CPU is a failure).</summary>
    public bool RequireGpu { get; set; }

    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}
