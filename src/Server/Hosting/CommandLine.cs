namespace HiPO.Server.Hosting;

/// <summary>Short command-line switches for the common settings, like llama-server's (<c>--model</c>, <c>--port</c>, ...).</summary>
public static class CommandLine
{
    public const string Usage = """
        usage: hipo-server [options] [--Section:Key=value ...]
               hipo-server convert <hf:owner/repo | checkpoint-folder> [--quant TYPE] [--out FILE.gguf]

        options:
          -m, --model PATH|hf:owner/repo[/file.gguf]   the GGUF model to serve (Model:Path)
          --demo                                        serve the built-in demo model, no download
          -c, --ctx-size N                              context size in tokens (Model:ContextSize)
          -ngl, --gpu-layers N                          layers to offload to the GPU (Model:GpuLayers)
          --threads N                                   CPU threads (Model:Threads)
          -np, --parallel N                             most sequences decoded together (Inference:MaxParallel)
          --host HOST, --port PORT                      where to listen (Server:Host, Server:Port; default 0.0.0.0:8080)
          --api-key KEY                                 require this bearer key (Security:ApiKeys)
          --hf-token TOKEN                              Hugging Face token for gated repositories (Hub:Token)
          --quant TYPE                                  quantization for converted checkpoints (Hub:Quantization)
          --offline                                     never download (Hub:Offline)
          -h, --help                                    print this help and exit

        Every setting in appsettings.json can also be given as --Section:Key=value or as HIPO_Section__Key in the environment.
        """;

    /// <summary>Whether the command line asks for the usage text instead of a server.</summary>
    public static bool WantsHelp(string[] args) => args.Any(a => a is "--help" or "-h" or "-?");

    public static readonly Dictionary<string, string> Aliases = new()
    {
        ["--model"] = "Model:Path",
        ["-m"] = "Model:Path",
        ["--ctx-size"] = "Model:ContextSize",
        ["-c"] = "Model:ContextSize",
        ["--gpu-layers"] = "Model:GpuLayers",
        ["-ngl"] = "Model:GpuLayers",
        ["--threads"] = "Model:Threads",
        ["--parallel"] = "Inference:MaxParallel",
        ["-np"] = "Inference:MaxParallel",
        ["--api-key"] = "Security:ApiKeys:0",
        ["--port"] = "Server:Port",
        ["--host"] = "Server:Host",
        ["--hf-token"] = "Hub:Token",
        ["--quant"] = "Hub:Quantization",
    };

    /// <summary>Turns value-less flags such as <c>--demo</c> into key=value pairs the configuration reader understands.</summary>
    public static string[] Normalize(string[] args) =>
        [.. args.Select(a => a switch
        {
            "--demo" => "--Model:Demo=true",
            "--offline" => "--Hub:Offline=true",
            _ => a,
        })];
}
