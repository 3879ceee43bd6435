using System.ComponentModel.DataAnnotations;
using HiPO.ModelHub.Conversion;

namespace HiPO.ModelHub;

/// <summary>Where models come from and where they are kept (configuration section <c>Hub</c>).</summary>
public sealed class HubOptions
{
    public const string Section = "Hub";

    /// <summary>The Hugging Face hub, or a mirror that serves the same API.</summary>
    [Required, Url]
    public string Endpoint { get; set; } = "https://huggingface.co";

    /// <summary>
    /// Access token for gated or private repositories. When unset, the <c>HF_TOKEN</c> environment
    /// variable is used, as the Hugging Face tools and llama.cpp do.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>Downloads and converted models live here; by default <c>$XDG_CACHE_HOME/hipo-server</c> or <c>~/.cache/hipo-server</c>.</summary>
    [Required]
    public string CacheDirectory { get; set; } = DefaultCacheDirectory();

    /// <summary>
    /// The llama.cpp type a checkpoint is quantized to, and the GGUF picked from a repository that
    /// offers several. F16 keeps the converted file as it is.
    /// </summary>
    [RegularExpression(ModelQuantizer.TypePattern)]
    public string Quantization { get; set; } = "Q4_K_M";

    /// <summary>Never touch the network: a model that is not in the cache is an error.</summary>
    public bool Offline { get; set; }

    /// <summary>Keep the downloaded safetensors after conversion (by default they are deleted: they are twice the model's size).</summary>
    public bool KeepCheckpoint { get; set; }

    /// <summary>The token to send: <see cref="Token"/>, else <c>HF_TOKEN</c>.</summary>
    public string? EffectiveToken =>
        string.IsNullOrWhiteSpace(Token) ? NullIfEmpty(Environment.GetEnvironmentVariable("HF_TOKEN")) : Token;

    private static string DefaultCacheDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "hipo-server");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
