namespace HiPO.ModelHub.Download;

/// <summary>
/// A file of a hub repository as its file listing describes it. Files stored in Git LFS (weights,
/// GGUFs, large tokenizers) come with their SHA-256; the others with their Git blob id (a SHA-1
/// of <c>"blob {size}\0"</c> and the content). Either lets a download be checked.
/// </summary>
public sealed record HubFile(string Path, long Size, string? Sha256, string? GitBlobId)
{
    public string FileName => System.IO.Path.GetFileName(Path);
}
