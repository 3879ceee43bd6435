using HiPO.ModelHub;
using Microsoft.Extensions.Logging;

namespace HiPO.Server.Tests.ModelHub;

/// <summary>Resolves hf: references against a fake hub on 127.0.0.1 and a temporary cache.</summary>
public sealed class ModelResolverTests : IAsyncLifetime
{
    private const string GgufRepository = "test/HiPO-tiny-GGUF";
    private const string GgufPath = "quantized/HiPO-tiny-Q8_0.gguf";

    private readonly string _cache = Directory.CreateTempSubdirectory("hipo-hub-").FullName;
    private readonly HttpClient _http = new();
    private readonly ListLogger _log = new();
    private FakeHub _hub = null!;
    private byte[] _gguf = [];

    public async Task InitializeAsync()
    {
        _hub = await FakeHub.StartAsync();
        string path = Path.Combine(_cache, "direct.gguf");
        TinyQwen3Checkpoint.Create(tied: true).WriteGgufDirectly(path);
        _gguf = await File.ReadAllBytesAsync(path);
        File.Delete(path);
        _hub.AddRepository(GgufRepository, new Dictionary<string, byte[]>
        {
            [GgufPath] = _gguf,
            ["HiPO-tiny-Q4_K_M.gguf"] = [.. _gguf.Reverse()],
            ["README.md"] = "# tiny"u8.ToArray(),
        });
    }

    public async Task DisposeAsync()
    {
        await _hub.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_cache, recursive: true);
    }

    [Theory]
    [InlineData("hf:Kwaipilot/HiPO-1.7B", true)]
    [InlineData("HF:owner/repo/sub/model-Q8_0.gguf", true)]
    [InlineData("/models/hipo.gguf", false)]
    [InlineData("hipo.gguf", false)]
    public void Hub_references_are_told_apart_from_paths(string model, bool isHubReference)
    {
        Assert.Equal(isHubReference, ModelResolver.IsHubReference(model));
    }

    [Fact]
    public async Task Local_path_is_returned_unchanged_without_a_request()
    {
        Assert.Equal("/models/hipo.gguf", await Resolver().ResolveAsync("/models/hipo.gguf", CancellationToken.None));
        Assert.Empty(_hub.Requests);
    }

    [Theory]
    [InlineData("hf:owner")]
    [InlineData("hf:owner/repo/config.json")]
    [InlineData("hf:owner/../etc/x.gguf")]
    public async Task Malformed_reference_is_reported(string model)
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Resolver().ResolveAsync(model, CancellationToken.None));
        Assert.Contains("hf:owner/repo", error.Message);
    }

    [Fact]
    public async Task File_reference_downloads_the_GGUF_verified_and_logs_progress()
    {
        string path = await Resolver().ResolveAsync($"hf:{GgufRepository}/{GgufPath}", CancellationToken.None);

        Assert.Equal(_gguf, await File.ReadAllBytesAsync(path));
        Assert.Contains(_log.Messages, m => m.StartsWith("Download " + GgufPath, StringComparison.Ordinal) && m.Contains("/s", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Download_resumes_after_a_cut_connection()
    {
        long cut = _gguf.Length / 3;
        _hub.CutNextDownload(GgufPath, cut);

        string path = await Resolver().ResolveAsync($"hf:{GgufRepository}/{GgufPath}", CancellationToken.None);

        Assert.Equal(_gguf, await File.ReadAllBytesAsync(path));
        var downloads = StorageRequests();
        Assert.Equal(2, downloads.Length);
        Assert.Null(downloads[0].Range);

        // A cut connection delivers some prefix of what was sent; the retry asks for the rest of it.
        Assert.StartsWith("bytes=", downloads[1].Range);
        Assert.InRange(long.Parse(downloads[1].Range!["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture), 1, cut);
    }

    [Fact]
    public async Task Download_resumes_the_partial_file_an_earlier_run_left()
    {
        // The cache layout is documented: files of hf:owner/repo/path live under hf/owner/repo/files/.
        string partial = Path.Combine(_cache, "hf", "test", "HiPO-tiny-GGUF", "files", GgufPath) + ".incomplete";
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        int half = _gguf.Length / 2;
        await File.WriteAllBytesAsync(partial, _gguf[..half]);

        string path = await Resolver().ResolveAsync($"hf:{GgufRepository}/{GgufPath}", CancellationToken.None);

        Assert.Equal(_gguf, await File.ReadAllBytesAsync(path));
        Assert.Equal($"bytes={half}-", Assert.Single(StorageRequests()).Range);
        Assert.False(File.Exists(partial));
    }

    [Fact]
    public async Task Download_with_a_bad_checksum_is_rejected_and_deleted()
    {
        _hub.Corrupt(GgufPath);

        var error = await Assert.ThrowsAsync<HubException>(() => Resolver().ResolveAsync($"hf:{GgufRepository}/{GgufPath}", CancellationToken.None));

        Assert.Contains("Checksum mismatch", error.Message);
        Assert.Contains(FakeHub.Sha256(_gguf), error.Message);
        Assert.Empty(Directory.GetFiles(_cache, "*.gguf*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Unknown_repository_is_reported_as_not_found()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Resolver().ResolveAsync("hf:nobody/nothing", CancellationToken.None));

        Assert.Equal(404, error.StatusCode);
        Assert.Contains("nobody/nothing", error.Message);
        Assert.Contains("(404)", error.Message);
    }

    [Fact]
    public async Task Unknown_file_is_reported_with_the_GGUF_files_the_repository_has()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Resolver().ResolveAsync($"hf:{GgufRepository}/missing.gguf", CancellationToken.None));

        Assert.Contains("has no missing.gguf", error.Message);
        Assert.Contains(GgufPath, error.Message);
    }

    [Fact]
    public async Task Gated_repository_asks_for_a_token_and_downloads_with_one()
    {
        _hub.AddRepository("test/gated", new Dictionary<string, byte[]> { ["model-Q8_0.gguf"] = _gguf }, requiredToken: "hf_secret");

        var error = await Assert.ThrowsAsync<HubException>(() => Resolver(token: null).ResolveAsync("hf:test/gated", CancellationToken.None));
        string path = await Resolver(token: "hf_secret").ResolveAsync("hf:test/gated", CancellationToken.None);

        Assert.Equal(401, error.StatusCode);
        Assert.Contains("Hub:Token", error.Message);
        Assert.Contains("restricted", error.Message);
        Assert.Equal(_gguf, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Repository_GGUF_of_the_configured_quantization_is_picked()
    {
        string path = await Resolver(quantization: "q8_0").ResolveAsync($"hf:{GgufRepository}", CancellationToken.None);

        Assert.Equal("HiPO-tiny-GGUF-Q8_0.gguf", Path.GetFileName(path));
        Assert.Equal(_gguf, await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task Second_resolve_uses_the_cache_without_any_request()
    {
        string first = await Resolver().ResolveAsync($"hf:{GgufRepository}", CancellationToken.None);
        int requests = _hub.Requests.Count;

        string second = await Resolver().ResolveAsync($"hf:{GgufRepository}", CancellationToken.None);
        string offline = await Resolver(offline: true).ResolveAsync($"hf:{GgufRepository}", CancellationToken.None);

        Assert.Equal(first, second);
        Assert.Equal(first, offline);
        Assert.Equal(requests, _hub.Requests.Count);
    }

    [Fact]
    public async Task Offline_resolve_of_an_uncached_model_fails_without_a_request()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => Resolver(offline: true).ResolveAsync($"hf:{GgufRepository}", CancellationToken.None));

        Assert.Contains("Offline", error.Message);
        Assert.Empty(_hub.Requests);
    }

    [Fact]
    public async Task Checkpoint_repository_is_downloaded_converted_and_quantized_in_one_step()
    {
        _hub.AddRepository("Kwaipilot/HiPO-tiny", TinyQwen3Checkpoint.Create(tied: true).Files());

        string path = await Resolver(quantization: "Q4_K_M").ResolveAsync("hf:Kwaipilot/HiPO-tiny", CancellationToken.None);
        int requests = _hub.Requests.Count;
        string again = await Resolver(quantization: "Q4_K_M").ResolveAsync("hf:Kwaipilot/HiPO-tiny", CancellationToken.None);

        Assert.Equal(path, again);
        Assert.Equal(requests, _hub.Requests.Count);
        Assert.Equal(15u, GgufReader.ReadMetadata(path)["general.file_type"]);
        Assert.Equal(4, LlamaRuntime.Greedy(path, "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<judge>\n", count: 4).Generated.Length);
        Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(path)!, "checkpoint")));
        // generation_config.json is fetched for its sampling defaults, which survive quantization.
        Assert.Contains(_hub.Requests, r => r.Path.Contains("generation_config", StringComparison.Ordinal));
        Assert.Equal(20, GgufReader.ReadMetadata(path)["general.sampling.top_k"]);
        Assert.Contains(_hub.Requests, r => r.Path.Contains("cursor=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Checkpoint_with_a_tensor_Qwen3_does_not_have_is_refused_by_name()
    {
        var files = TinyQwen3Checkpoint.Create(tied: true).Files(extraTensor: "model.layers.0.self_attn.q_proj.bias");
        _hub.AddRepository("test/odd", files);

        var error = await Assert.ThrowsAsync<HubException>(() => Resolver(quantization: "F16").ResolveAsync("hf:test/odd", CancellationToken.None));

        Assert.Contains("model.layers.0.self_attn.q_proj.bias", error.Message);
        Assert.Empty(Directory.GetFiles(_cache, "*.gguf", SearchOption.AllDirectories));
    }

    private ModelResolver Resolver(string? token = null, string quantization = "Q8_0", bool offline = false) => new(
        new HubOptions { Endpoint = _hub.Endpoint, CacheDirectory = _cache, Token = token, Quantization = quantization, Offline = offline },
        _http,
        _log);

    private (string Path, string? Range)[] StorageRequests() =>
        [.. _hub.Requests.Where(r => r.Path.StartsWith("/storage/", StringComparison.Ordinal))];

    /// <summary>Keeps formatted log messages for assertions.</summary>
    private sealed class ListLogger : ILogger
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception));
    }
}
