namespace HiPO.ModelHub;

/// <summary>
/// A model on the hub, written <c>hf:owner/repo</c> (the repository's model, converted when it has
/// no GGUF of the configured type) or <c>hf:owner/repo/path/file.gguf</c> (that file).
/// </summary>
public sealed record HubReference(string Repository, string? FilePath)
{
    public const string Prefix = "hf:";

    public string Owner => Repository[..Repository.IndexOf('/')];

    public string Name => Repository[(Repository.IndexOf('/') + 1)..];

    public static bool TryParse(string? text, out HubReference reference)
    {
        reference = null!;
        if (text is null || !text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string[] parts = text[Prefix.Length..].Split('/');
        if (parts.Length < 2 || parts.Any(p => !IsSafeSegment(p)))
        {
            return false;
        }

        string? file = parts.Length > 2 ? string.Join('/', parts[2..]) : null;
        if (file is not null && !file.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        reference = new HubReference($"{parts[0]}/{parts[1]}", file);
        return true;
    }

    public override string ToString() => Prefix + Repository + (FilePath is null ? "" : "/" + FilePath);

    // Segments become URL path parts and cache folder names, so only the hub's own name characters are allowed.
    private static bool IsSafeSegment(string segment) =>
        segment.Length > 0 && segment is not ("." or "..") && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
