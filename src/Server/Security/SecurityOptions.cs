using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Security;

/// <summary>
/// API keys, rate limits and CORS (configuration section <c>Security</c>). With no key configured the server is open,
/// like llama-server without <c>--api-key</c>.
/// </summary>
public sealed class SecurityOptions : IValidatableObject
{
    public const string Section = "Security";

    /// <summary>
    /// Accepted keys. An entry may hold several keys separated by commas, as llama-server's <c>--api-key</c> does,
    /// so <c>--api-key</c> and <c>HIPO_Security__ApiKeys__0</c> can carry a whole list.
    /// </summary>
    public string[] ApiKeys { get; set; } = [];

    /// <summary>A file with one key per line (blank lines and <c>#</c> comments ignored), read at startup; kept out of the configuration so keys stay out of process listings.</summary>
    public string? ApiKeyFile { get; set; }

    /// <summary>Whether <c>/metrics</c> needs a key too; off so that Prometheus can scrape without one.</summary>
    public bool ProtectMetrics { get; set; }

    [ValidateObjectMembers]
    public RateLimitOptions RateLimit { get; set; } = new();

    [ValidateObjectMembers]
    public CorsOriginOptions Cors { get; set; } = new();

    /// <summary>Refuses empty keys and unreadable key files at startup rather than starting an open server by mistake; messages never quote a key.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < ApiKeys.Length; i++)
        {
            if (ApiKeyRing.Split(ApiKeys[i]).Any(string.IsNullOrEmpty))
                yield return new ValidationResult($"Security:ApiKeys:{i} holds an empty key.", [nameof(ApiKeys)]);
        }
        if (string.IsNullOrWhiteSpace(ApiKeyFile))
            yield break;
        string? failure;
        try
        {
            failure = ApiKeyRing.ReadFile(ApiKeyFile).Count == 0 ? $"Security:ApiKeyFile '{ApiKeyFile}' holds no key." : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            failure = $"Security:ApiKeyFile '{ApiKeyFile}' cannot be read: {e.Message}";
        }
        if (failure is not null)
            yield return new ValidationResult(failure, [nameof(ApiKeyFile)]);
    }
}
