using System.Security.Cryptography;
using System.Text;

namespace HiPO.ModelHub.Download;

/// <summary>
/// Hashes a download as it arrives (including the part resumed from an earlier run) and compares
/// it with what the hub's listing states: the SHA-256 of an LFS file, or the Git blob id of a small one.
/// </summary>
internal sealed class FileChecksum : IDisposable
{
    private readonly IncrementalHash? _hash;
    private readonly string? _expected;
    private readonly byte[] _prefix;

    private FileChecksum(HashAlgorithmName algorithm, string? expected, byte[] prefix)
    {
        _expected = expected?.ToLowerInvariant();
        _prefix = prefix;
        if (expected is not null)
        {
            _hash = IncrementalHash.CreateHash(algorithm);
            _hash.AppendData(prefix);
        }
    }

    public static FileChecksum For(HubFile file) => file.Sha256 is not null
        ? new FileChecksum(HashAlgorithmName.SHA256, file.Sha256, [])
        : new FileChecksum(HashAlgorithmName.SHA1, file.GitBlobId, Encoding.ASCII.GetBytes($"blob {file.Size}\0"));

    /// <summary>Hashes the bytes already in <paramref name="partial"/> (a resumed download).</summary>
    public async Task AppendExistingAsync(FileStream partial, CancellationToken ct)
    {
        if (_hash is null)
        {
            return;
        }

        partial.Seek(0, SeekOrigin.Begin);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = await partial.ReadAsync(buffer, ct)) > 0)
        {
            _hash.AppendData(buffer, 0, read);
        }
    }

    public void Append(ReadOnlySpan<byte> data) => _hash?.AppendData(data);

    /// <summary>Forgets everything hashed so far, for a download that starts over.</summary>
    public void Reset()
    {
        if (_hash is not null)
        {
            _hash.GetHashAndReset();
            _hash.AppendData(_prefix);
        }
    }

    /// <summary>True when the hub stated no checksum, or the content matches it.</summary>
    public bool Matches(out string expected, out string actual)
    {
        expected = _expected ?? "";
        actual = _hash is null ? "" : Convert.ToHexStringLower(_hash.GetCurrentHash());
        return _hash is null || actual == expected;
    }

    public void Dispose() => _hash?.Dispose();
}
