using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HiPO.Server.Security;

/// <summary>
/// The accepted API keys, held only as SHA-256 hashes. Comparing fixed-length hashes with
/// <see cref="CryptographicOperations.FixedTimeEquals"/> keeps both a key's content and its length out of response timings.
/// </summary>
public sealed class ApiKeyRing
{
    private readonly byte[][] _hashes;

    public ApiKeyRing(IOptions<SecurityOptions> options)
    {
        var security = options.Value;
        var keys = security.ApiKeys.SelectMany(Split);
        if (!string.IsNullOrWhiteSpace(security.ApiKeyFile))
            keys = keys.Concat(ReadFile(security.ApiKeyFile));
        _hashes = [.. keys.Distinct(StringComparer.Ordinal).Select(Hash)];
    }

    /// <summary>No key configured: every endpoint is open.</summary>
    public bool IsEmpty => _hashes.Length == 0;

    public int Count => _hashes.Length;

    /// <summary>The index of the matching key, or null. Every key is compared, so the time taken does not tell which one matched.</summary>
    public int? Match(string presented)
    {
        var hash = Hash(presented);
        int? match = null;
        for (var i = 0; i < _hashes.Length; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, _hashes[i]))
                match = i;
        }
        return match;
    }

    /// <summary>The keys of one configuration entry: llama-server accepts a comma-separated list.</summary>
    public static IEnumerable<string> Split(string entry) => entry.Split(',', StringSplitOptions.TrimEntries);

    /// <summary>One key per line; blank lines and lines starting with <c>#</c> are skipped.</summary>
    public static IReadOnlyList<string> ReadFile(string path) =>
        [.. File.ReadAllLines(path).Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#'))];

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
