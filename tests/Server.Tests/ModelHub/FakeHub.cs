using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HiPO.Server.Tests.ModelHub;

/// <summary>
/// Plays the Hugging Face hub on 127.0.0.1: the tree listing (paged with a Link header, LFS files with
/// their SHA-256), <c>/{repo}/resolve/main/{path}</c> (LFS files redirect to a storage URL, as the hub
/// does), Range requests, 404 for unknown repositories and files, and 401 without the token for a
/// gated repository. Tests can cut a download part-way or serve corrupt bytes, and read what was asked.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    private const int PageSize = 4;

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Repository> _repositories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _cuts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _corrupt = new(StringComparer.Ordinal);

    private TaskCompletionSource _gate = CompletedGate();

    private FakeHub(WebApplication app) => _app = app;

    /// <summary>Holds every request until <see cref="Release"/>, like a hub that has not answered yet.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    private static TaskCompletionSource CompletedGate()
    {
        var gate = new TaskCompletionSource();
        gate.SetResult();
        return gate;
    }

    public string Endpoint { get; private set; } = "";

    /// <summary>Every request, in order: its path and query, and its Range header.</summary>
    public ConcurrentQueue<(string Path, string? Range)> Requests { get; } = new();

    public static async Task<FakeHub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var hub = new FakeHub(builder.Build());
        hub._app.Use(async (context, next) =>
        {
            hub.Requests.Enqueue((context.Request.Path + context.Request.QueryString, context.Request.Headers.Range.FirstOrDefault()));
            await hub._gate.Task.WaitAsync(context.RequestAborted);
            await next(context);
        });
        hub._app.MapGet("/api/models/{owner}/{name}/tree/main", hub.ListAsync);
        hub._app.MapGet("/{owner}/{name}/resolve/main/{**path}", hub.Resolve);
        hub._app.MapGet("/storage/{owner}/{name}/{**path}", hub.ServeAsync);
        await hub._app.StartAsync();
        hub.Endpoint = hub._app.Urls.Single();
        return hub;
    }

    public void AddRepository(string repository, IReadOnlyDictionary<string, byte[]> files, string? requiredToken = null) =>
        _repositories[repository] = new Repository(files, requiredToken);

    /// <summary>The next download of <paramref name="path"/> stops after <paramref name="bytes"/> bytes and the connection is dropped.</summary>
    public void CutNextDownload(string path, long bytes) => _cuts[path] = bytes;

    /// <summary>Downloads of <paramref name="path"/> deliver other bytes than the listing's checksum describes.</summary>
    public void Corrupt(string path) => _corrupt[path] = true;

    public ValueTask DisposeAsync() => _app.DisposeAsync();

    /// <summary>Whether a file is stored in Git LFS on the real hub (weights, GGUFs, large tokenizers).</summary>
    private static bool IsLfs(string path) => path.EndsWith(".safetensors", StringComparison.Ordinal)
        || path.EndsWith(".gguf", StringComparison.Ordinal) || path == "tokenizer.json";

    private async Task ListAsync(HttpContext context, string owner, string name)
    {
        if (Refuse(context, $"{owner}/{name}") is not { } repository)
        {
            return;
        }

        int cursor = int.TryParse(context.Request.Query["cursor"], out int c) ? c : 0;
        var entries = repository.Files.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
        var page = new JsonArray();
        foreach (var (path, content) in entries.Skip(cursor).Take(PageSize))
        {
            var entry = new JsonObject
            {
                ["type"] = "file",
                ["oid"] = GitBlobId(IsLfs(path) ? LfsPointer(content) : content),
                ["size"] = content.Length,
                ["path"] = path,
            };
            if (IsLfs(path))
            {
                entry["lfs"] = new JsonObject { ["oid"] = Sha256(content), ["size"] = content.Length, ["pointerSize"] = LfsPointer(content).Length };
            }

            page.Add(entry);
        }

        if (cursor + PageSize < entries.Count)
        {
            context.Response.Headers.Link = $"<{context.Request.Path}?recursive=true&cursor={cursor + PageSize}>; rel=\"next\"";
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(page.ToJsonString());
    }

    private void Resolve(HttpContext context, string owner, string name, string path)
    {
        if (Refuse(context, $"{owner}/{name}") is not { } repository)
        {
            return;
        }

        if (!repository.Files.TryGetValue(path, out byte[]? content))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.Headers["X-Error-Code"] = "EntryNotFound";
            return;
        }

        string hash = IsLfs(path) ? Sha256(content) : GitBlobId(content);
        context.Response.Headers.ETag = $"\"{hash}\"";
        context.Response.Headers["X-Linked-Etag"] = $"\"{hash}\"";
        context.Response.Headers["X-Linked-Size"] = content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = $"/storage/{owner}/{name}/{path}?signature=test";
    }

    private async Task ServeAsync(HttpContext context, string owner, string name, string path)
    {
        byte[] content = _repositories[$"{owner}/{name}"].Files[path];
        if (_corrupt.ContainsKey(path))
        {
            content = [.. content];
            content[^1] ^= 0xFF;
        }

        long start = 0;
        if (context.Request.Headers.Range.FirstOrDefault() is { } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            if (start >= content.Length)
            {
                context.Response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                return;
            }

            context.Response.StatusCode = StatusCodes.Status206PartialContent;
            context.Response.Headers.ContentRange = $"bytes {start}-{content.Length - 1}/{content.Length}";
        }

        context.Response.Headers.AcceptRanges = "bytes";
        context.Response.ContentLength = content.Length - start;
        if (_cuts.TryRemove(path, out long cut))
        {
            await context.Response.Body.WriteAsync(content.AsMemory((int)start, (int)(cut - start)));
            await context.Response.Body.FlushAsync();

            // Give the bytes time to leave Kestrel's buffers: an abort drops what is still queued.
            await Task.Delay(200);
            context.Abort();
            return;
        }

        await context.Response.Body.WriteAsync(content.AsMemory((int)start));
    }

    /// <summary>Answers 404 or 401 as the hub does and returns null, or returns the repository.</summary>
    private Repository? Refuse(HttpContext context, string repository)
    {
        if (!_repositories.TryGetValue(repository, out var repo))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.Headers["X-Error-Code"] = "RepoNotFound";
            context.Response.Headers["X-Error-Message"] = "Repository not found";
            return null;
        }

        if (repo.RequiredToken is { } token && context.Request.Headers.Authorization != $"Bearer {token}")
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers["X-Error-Code"] = "GatedRepo";
            context.Response.Headers["X-Error-Message"] = $"Access to model {repository} is restricted. You must have access to it and be authenticated to access it.";
            return null;
        }

        return repo;
    }

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    private static string GitBlobId(byte[] content) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {content.Length}\0"), .. content]));

    private static byte[] LfsPointer(byte[] content) =>
        Encoding.ASCII.GetBytes($"version https://git-lfs.github.com/spec/v1\noid sha256:{Sha256(content)}\nsize {content.Length}\n");

    private sealed record Repository(IReadOnlyDictionary<string, byte[]> Files, string? RequiredToken);
}
