using System.Runtime.InteropServices;
using LLama.Native;
using Microsoft.Extensions.Logging;

namespace HiPO.Inference.Hosting;

/// <summary>
/// Configures llama.cpp's native library once per process (before the first native call), routes its log
/// into ours, and reports which backend actually loaded: LLamaSharp falls back to CPU silently otherwise.
/// </summary>
public static class NativeBackend
{
    private static readonly Lock Gate = new();
    private static ILogger? _logger;
    private static bool _configured;

    /// <summary>The native library file that was loaded, as LLamaSharp reported it.</summary>
    public static string? LoadedLibrary { get; private set; }

    public static void Configure(ModelOptions options, ILogger logger)
    {
        lock (Gate)
        {
            _logger = logger;
            if (_configured)
                return;
            _configured = true;
            if (NativeLibraryConfig.LLama.LibraryHasLoaded)
            {
                // Something in this process (a tool, a test) loaded llama.cpp first: its library stays; its log still comes to us.
                NativeLogConfig.llama_log_set(OnNativeLog);
                return;
            }
            var config = NativeLibraryConfig.All.WithLogCallback(OnNativeLog);
            if (!string.IsNullOrEmpty(options.NativeLibraryPath))
                config.WithLibrary(options.NativeLibraryPath, null);
        }
    }

    /// <summary>The compute devices llama.cpp sees, e.g. <c>CPU</c> or <c>CUDA0</c>.</summary>
    public static IReadOnlyList<string> Devices()
    {
        var devices = new List<string>();
        for (nuint i = 0; i < NativeApi.ggml_backend_dev_count(); i++)
            devices.Add(Marshal.PtrToStringUTF8(NativeApi.ggml_backend_dev_name(NativeApi.ggml_backend_dev_get(i))) ?? "?");
        return devices;
    }

    public static bool SupportsGpuOffload => NativeApi.llama_supports_gpu_offload();

    private static void OnNativeLog(LLamaLogLevel level, string message)
    {
        message = message.TrimEnd();
        if (message.Length == 0)
            return;
        const string loaded = "Successfully loaded '";
        if (message.StartsWith(loaded, StringComparison.Ordinal) && message.Contains("llama", StringComparison.Ordinal))
            LoadedLibrary = message[loaded.Length..].TrimEnd('\'');
        // llama.cpp narrates every load at info level; keep that out of an operator's default view.
        var mapped = level switch
        {
            LLamaLogLevel.Error => LogLevel.Error,
            LLamaLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Debug,
        };
        _logger?.Log(mapped, "llama.cpp: {NativeMessage}", message);
    }
}
