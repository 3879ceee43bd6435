using Microsoft.Extensions.Options;

namespace HiPO.Server.Hosting;

/// <summary>How every options class of the server is registered: bound, validated at startup, and injectable as its value.</summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="T"/> to <paramref name="section"/> and validates it (data annotations and
    /// <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) when the host starts, so that a bad setting stops
    /// the server with one line naming it instead of failing on first use.
    /// </summary>
    public static IHostApplicationBuilder AddValidatedOptions<T>(this IHostApplicationBuilder builder, string section) where T : class
    {
        builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<T>>().Value);
        return builder;
    }
}
