using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using HiPO.ModelHub.Progress;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub.Download;

/// <summary>
/// Talks to the Hugging Face hub: lists a repository's files (<c>/api/models/{repo}/tree/main</c>)
/// and downloads them (<c>/{repo}/resolve/main/{path}</c>) with resume and checksum verification.
/// </summary>
internal sealed class HubClient(HubOptions options, HttpClient http, ILogger logger)
{
    private const int MaxAttempts = 5;
    private const int BufferBytes = 1 << 20;

    /// <summary>A connection that delivers nothing for this long is treated as cut, and the download resumes.</summary>
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The wait before the first retry of an interrupted download; it doubles with each retry.</summary>
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly Uri _endpoint = new(options.Endpoint.TrimEnd('/') + "/");

    public async Task<IReadOnlyList<HubFile>> ListFilesAsync(string repository, CancellationToken ct)
    {
        var files = new List<HubFile>();
        Uri? page = new(_endpoint, $"api/models/{repository}/tree/main?recursive=true");
        while (page is not null)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendAsync(page, range: null, ct);
            }
            catch (HttpRequestException e)
            {
                throw new HubException($"Cannot reach the hub at {_endpoint}: {e.Message}", inner: e);
            }

            using (response)
            {
                await ThrowIfFailedAsync(response, repository, path: null, ct);
                await using var body = await response.Content.ReadAsStreamAsync(ct);
                using var listing = await JsonDocument.ParseAsync(body, cancellationToken: ct);
                files.AddRange(listing.RootElement.EnumerateArray()
                    .Where(entry => entry.GetProperty("type").GetString() == "file")
                    .Select(ReadFile));

                // The hub pages long listings and names the next page in a Link header.
                page = NextPage(response);
            }
        }

        return files;
    }

    /// <summary>
    /// Downloads <paramref name="file"/> to <paramref name="destination"/>. Bytes arrive in
    /// <c>destination.incomplete</c>, which a later call resumes from; the file takes its final
    /// name only once its checksum matches.
    /// </summary>
    public async Task DownloadAsync(string repository, HubFile file, string destination, IProgress<ModelProgress>? progress, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        string partial = destination + ".incomplete";
        using var checksum = FileChecksum.For(file);
        string escapedPath = string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString));
        var url = new Uri(_endpoint, $"{repository}/resolve/main/{escapedPath}");

        await using (var output = OpenPartial(partial))
        {
            if (output.Length > file.Size)
            {
                output.SetLength(0);
            }

            await checksum.AppendExistingAsync(output, ct);
            if (output.Length > 0)
            {
                logger.LogInformation("Resuming {File} at {Offset}", file.Path, ModelProgress.FormatBytes(output.Length));
            }

            var clock = new ProgressClock(progress, ModelStage.Download, file.Path, file.Size, output.Length);
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    await ReceiveAsync(url, repository, file, output, checksum, clock, ct);
                    break;
                }
                catch (Exception e) when (IsTransient(e, ct))
                {
                    if (attempt == MaxAttempts)
                    {
                        throw new HubException($"Download of {file.Path} from {repository} failed {MaxAttempts} times; the last error: {e.Message}", inner: e);
                    }

                    logger.LogWarning("Download of {File} interrupted at {Offset} ({Reason}); resuming, attempt {Attempt} of {Max}",
                        file.Path, ModelProgress.FormatBytes(output.Length), e.Message, attempt + 1, MaxAttempts);
                    await Task.Delay(RetryDelay * (1 << (attempt - 1)), ct);
                }
            }
        }

        if (!checksum.Matches(out string expected, out string actual))
        {
            File.Delete(partial);
            throw new HubException(
                $"Checksum mismatch for {file.Path} from {repository}: expected {expected}, got {actual}. The download was deleted; try again.");
        }

        File.Move(partial, destination, overwrite: true);
    }

    /// <summary>Receives the rest of the file after what <paramref name="output"/> holds; throws a transient error when cut short.</summary>
    private async Task ReceiveAsync(Uri url, string repository, HubFile file, FileStream output, FileChecksum checksum, ProgressClock clock, CancellationToken ct)
    {
        long present = output.Length;
        if (present == file.Size && present > 0)
        {
            return;
        }

        using var response = await SendAsync(url, present > 0 ? present : null, ct);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The server holds nothing past our offset, so the partial file is stale: start over.
            output.SetLength(0);
            checksum.Reset();
            throw new IOException("the hub refused the resume offset; starting over");
        }

        await ThrowIfFailedAsync(response, repository, file.Path, ct);
        if (present > 0 && response.StatusCode != HttpStatusCode.PartialContent)
        {
            // The server ignored the Range header and sends the whole file.
            output.SetLength(0);
            checksum.Reset();
        }

        output.Seek(0, SeekOrigin.End);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[BufferBytes];
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(ct);
        while (true)
        {
            stall.CancelAfter(StallTimeout);
            int read;
            try
            {
                read = await body.ReadAsync(buffer, stall.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new IOException($"no data for {StallTimeout.TotalSeconds:0} s");
            }

            if (read == 0)
            {
                break;
            }

            if (output.Length + read > file.Size)
            {
                throw new HubException($"{file.Path} from {repository} is larger than the {file.Size} bytes its listing states.");
            }

            await output.WriteAsync(buffer.AsMemory(0, read), ct);
            checksum.Append(buffer.AsSpan(0, read));
            clock.Report(output.Length);
        }

        await output.FlushAsync(ct);
        if (output.Length < file.Size)
        {
            throw new IOException($"the connection closed after {output.Length} of {file.Size} bytes");
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri url, long? range, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (options.EffectiveToken is { } token)
        {
            // HttpClient drops this header when the hub redirects to its storage, whose URLs are pre-signed.
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (range is { } offset)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    private async Task ThrowIfFailedAsync(HttpResponseMessage response, string repository, string? path, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string what = path is null ? $"repository {repository}" : $"{path} in {repository}";
        string code = response.Headers.TryGetValues("X-Error-Code", out var codes) ? codes.First() : "";
        string detail = response.Headers.TryGetValues("X-Error-Message", out var messages)
            ? messages.First()
            : (await response.Content.ReadAsStringAsync(ct)).Trim();
        bool hasToken = options.EffectiveToken is not null;
        string message = (response.StatusCode, code) switch
        {
            // The hub answers 401 rather than 404 for a missing repository when no token is sent,
            // so as not to reveal which private repositories exist.
            (HttpStatusCode.Unauthorized, "RepoNotFound") => hasToken
                ? $"The hub has no {what}, or the token cannot see it (401)."
                : $"The hub has no {what}, or it is private: set Hub:Token or HF_TOKEN (401).",
            (HttpStatusCode.Unauthorized, _) => hasToken
                ? $"The hub rejected the token for {what} (401): check Hub:Token or HF_TOKEN."
                : $"{what} needs a Hugging Face token (401, gated or private repository): set Hub:Token or HF_TOKEN.",
            (HttpStatusCode.Forbidden, _) =>
                $"The token has no access to {what} (403): accept the repository's terms at {_endpoint}{repository}.",
            (HttpStatusCode.NotFound, _) => $"The hub has no {what} (404).",
            _ => $"The hub answered {(int)response.StatusCode} {response.ReasonPhrase} for {what}.",
        };
        if (detail.Length > 0)
        {
            message += " The hub says: " + (detail.Length > 200 ? detail[..200] + "..." : detail);
        }

        throw new HubException(message, (int)response.StatusCode);
    }

    private static bool IsTransient(Exception e, CancellationToken ct) => !ct.IsCancellationRequested && e switch
    {
        IOException => true,
        HttpRequestException => true,
        HubException { StatusCode: >= 500 or 429 } => true,
        _ => false,
    };

    private static FileStream OpenPartial(string path)
    {
        try
        {
            // Exclusive: two processes appending to one partial file would corrupt it.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferBytes, useAsync: true);
        }
        catch (IOException e)
        {
            throw new HubException($"{path} is in use: another process is downloading the same file.", inner: e);
        }
    }

    private static HubFile ReadFile(JsonElement entry)
    {
        string path = entry.GetProperty("path").GetString()!;
        if (entry.TryGetProperty("lfs", out var lfs) && lfs.ValueKind == JsonValueKind.Object)
        {
            // For an LFS file the Git blob is the small pointer; the content's hash is the LFS oid.
            return new HubFile(path, lfs.GetProperty("size").GetInt64(), lfs.GetProperty("oid").GetString(), null);
        }

        string? blob = entry.TryGetProperty("oid", out var oid) ? oid.GetString() : null;
        return new HubFile(path, entry.GetProperty("size").GetInt64(), null, blob);
    }

    private Uri? NextPage(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (string link in links.SelectMany(l => l.Split(',')))
        {
            string[] parts = link.Split(';', StringSplitOptions.TrimEntries);
            if (parts.Length > 1 && parts[1..].Contains("rel=\"next\"") && parts[0] is ['<', .. var target, '>'])
            {
                return new Uri(_endpoint, target);
            }
        }

        return null;
    }
}
