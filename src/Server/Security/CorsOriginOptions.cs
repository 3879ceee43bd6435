using System.ComponentModel.DataAnnotations;

namespace HiPO.Server.Security;

/// <summary>Browser origins allowed to call the API (configuration section <c>Security:Cors</c>); empty leaves CORS off.</summary>
public sealed class CorsOriginOptions : IValidatableObject
{
    /// <summary>Origins such as <c>https://app.example.com</c>, or <c>*</c> for any.</summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>
    /// A browser's <c>Origin</c> header is scheme, host and port only, so an entry with a path or a trailing slash would
    /// never match; refusing it at startup saves debugging a silent CORS failure.
    /// </summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedOrigins)
        {
            if (origin == "*")
                continue;
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.GetLeftPart(UriPartial.Authority) != origin.ToLowerInvariant())
                yield return new ValidationResult($"Security:Cors:AllowedOrigins: '{origin}' is not an origin (scheme://host[:port], no path).", [nameof(AllowedOrigins)]);
        }
    }
}
