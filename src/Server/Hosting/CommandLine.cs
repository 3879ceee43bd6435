namespace HiPO.Server.Hosting;

/// <summary>Short command-line switches for the common settings, like llama-server's (<c>--model</c>, <c>--port</c>, ...).</summary>
public static class CommandLine
{
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
