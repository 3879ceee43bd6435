using System.Text.RegularExpressions;
using HiPO.ModelHub.Conversion;
using HiPO.ModelHub.Download;
using HiPO.ModelHub.Progress;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub;

/// <summary>
/// Turns the <c>--model</c> setting into a local GGUF path. A path is returned as it is; a hub
/// reference (<c>hf:owner/repo[/file.gguf]</c>) is served from the cache when it is there, without
/// any network request, and otherwise downloaded: a GGUF of the configured quantization when the
/// repository has one, else its safetensors checkpoint, converted and quantized.
/// </summary>
public sealed partial class ModelResolver
{
    private readonly HubOptions _options;
    private readonly ILogger _logger;
    private readonly IProgress<ModelProgress> _progress;
    private readonly HubClient _hub;

    /// <param name="progress">Where progress goes; by default the log, a line every few seconds.</param>
    public ModelResolver(HubOptions options, HttpClient http, ILogger logger, IProgress<ModelProgress>? progress = null)
    {
        _options = options;
        _logger = logger;
        _progress = progress ?? new LoggedProgress(logger);
        _hub = new HubClient(options, http, logger);
    }

    /// <summary>Whether <paramref name="model"/> names a model on the hub (it starts with <c>hf:</c>) rather than a file.</summary>
    public static bool IsHubReference(string model) => model.StartsWith(HubReference.Prefix, StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the local GGUF path for <paramref name="model"/>, downloading and converting it first when needed.</summary>
    /// <exception cref="HubException">The reference is malformed, the hub refused, a checksum failed, or conversion failed.</exception>
    public async Task<string> ResolveAsync(string model, CancellationToken ct)
    {
        if (!IsHubReference(model))
        {
            return model;
        }

        var reference = ParseReference(model);
        var cache = new ModelCache(_options.CacheDirectory, reference);
        string quantization = ModelQuantizer.Normalize(_options.Quantization);
        string target = reference.FilePath is { } path ? cache.FilePath(path) : cache.ModelPath(quantization);
        if (File.Exists(target))
        {
            _logger.LogInformation("Using {Model} from the cache: {Path}", reference, target);
            return target;
        }

        if (_options.Offline)
        {
            throw new HubException($"{reference} is not in the cache ({target}) and Hub:Offline is set.");
        }

        var files = await _hub.ListFilesAsync(reference.Repository, ct);
        if (reference.FilePath is { } filePath)
        {
            var file = files.FirstOrDefault(f => f.Path == filePath)
                ?? throw new HubException($"{reference.Repository} has no {filePath}. {DescribeGgufs(files)}");
            await _hub.DownloadAsync(reference.Repository, file, target, _progress, ct);
            return target;
        }

        if (PickGguf(files, quantization) is { } gguf)
        {
            _logger.LogInformation("{Repository} offers {File}; downloading it as {Quantization}", reference.Repository, gguf.Path, quantization);
            await _hub.DownloadAsync(reference.Repository, gguf, target, _progress, ct);
            return target;
        }

        if (!CheckpointFiles.IsCheckpoint(files))
        {
            throw new HubException(
                $"{reference.Repository} has neither a {quantization} GGUF nor a safetensors checkpoint (config.json, tokenizer.json, *.safetensors). {DescribeGgufs(files)}");
        }

        _logger.LogInformation("{Repository} has no {Quantization} GGUF: converting its checkpoint", reference.Repository, quantization);
        await BuildFromCheckpointAsync(reference, files, target, quantization, ct);
        return target;
    }

    /// <summary>Downloads the repository's checkpoint and builds <paramref name="output"/> from it (the <c>convert</c> command's hub path).</summary>
    internal async Task BuildFromCheckpointAsync(HubReference reference, string output, string quantization, CancellationToken ct)
    {
        if (_options.Offline)
        {
            throw new HubException($"Converting {reference} needs its checkpoint from the hub, and Hub:Offline is set.");
        }

        var files = await _hub.ListFilesAsync(reference.Repository, ct);
        if (!CheckpointFiles.IsCheckpoint(files))
        {
            throw new HubException($"{reference.Repository} has no safetensors checkpoint (config.json, tokenizer.json, *.safetensors) to convert.");
        }

        await BuildFromCheckpointAsync(reference, files, output, ModelQuantizer.Normalize(quantization), ct);
    }

    internal static HubReference ParseReference(string model) => HubReference.TryParse(model, out var reference)
        ? reference
        : throw new HubException($"'{model}' is not a valid hub reference: write hf:owner/repo or hf:owner/repo/path/file.gguf.");

    private async Task BuildFromCheckpointAsync(HubReference reference, IReadOnlyList<HubFile> files, string output, string quantization, CancellationToken ct)
    {
        var cache = new ModelCache(_options.CacheDirectory, reference);
        string folder = await DownloadCheckpointAsync(reference, files, cache, ct);
        await new ModelBuilder(_logger, _progress).BuildAsync(folder, output, quantization, reference.Name, ct);
        if (!_options.KeepCheckpoint)
        {
            Directory.Delete(folder, recursive: true);
        }

        _logger.LogInformation("{Model} is ready: {Path}", reference, output);
    }

    private async Task<string> DownloadCheckpointAsync(HubReference reference, IReadOnlyList<HubFile> files, ModelCache cache, CancellationToken ct)
    {
        var wanted = CheckpointFiles.Metadata(files).ToList();
        foreach (var file in wanted)
        {
            await DownloadOnceAsync(reference, file, cache.CheckpointPath(file.Path), ct);
        }

        string index = cache.CheckpointPath(CheckpointFiles.Index);
        IEnumerable<HubFile> shards;
        if (File.Exists(index))
        {
            using var json = CheckpointFiles.ReadJson(index);
            var byPath = files.ToDictionary(f => f.Path, StringComparer.Ordinal);
            shards = CheckpointFiles.ShardsOf(json).Select(shard => byPath.TryGetValue(shard, out var file)
                ? file
                : throw new HubException($"{reference.Repository}: {CheckpointFiles.Index} names {shard}, which the repository does not have."));
        }
        else
        {
            shards = CheckpointFiles.RootShards(files);
        }

        var shardList = shards.ToList();
        _logger.LogInformation("Downloading the checkpoint of {Repository}: {Count} files, {Size}",
            reference.Repository, wanted.Count + shardList.Count, ModelProgress.FormatBytes(wanted.Concat(shardList).Sum(f => f.Size)));
        foreach (var shard in shardList)
        {
            await DownloadOnceAsync(reference, shard, cache.CheckpointPath(shard.Path), ct);
        }

        return cache.CheckpointDirectory;
    }

    // A checkpoint file kept from an interrupted conversion is complete and verified, or it would not have its name.
    private Task DownloadOnceAsync(HubReference reference, HubFile file, string destination, CancellationToken ct) =>
        File.Exists(destination) ? Task.CompletedTask : _hub.DownloadAsync(reference.Repository, file, destination, _progress, ct);

    /// <summary>
    /// The repository's GGUF of the given type, recognised by the type in its file name (e.g.
    /// <c>HiPO-1.7B-Q4_K_M.gguf</c>). Split files and projector files are never picked.
    /// </summary>
    private static HubFile? PickGguf(IReadOnlyList<HubFile> files, string quantization) => files
        .Where(f => f.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)
            && !SplitGguf().IsMatch(f.FileName)
            && !f.FileName.Contains("mmproj", StringComparison.OrdinalIgnoreCase)
            && Regex.IsMatch(f.FileName, $@"(?<![A-Za-z0-9]){Regex.Escape(quantization)}(?![A-Za-z0-9])", RegexOptions.IgnoreCase))
        .OrderBy(f => f.Path.Length)
        .ThenBy(f => f.Path, StringComparer.Ordinal)
        .FirstOrDefault();

    private static string DescribeGgufs(IReadOnlyList<HubFile> files)
    {
        string[] ggufs = [.. files.Where(f => f.Path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase)).Select(f => f.Path)];
        return ggufs.Length == 0
            ? "It has no GGUF files."
            : $"Its GGUF files: {string.Join(", ", ggufs.Take(10))}{(ggufs.Length > 10 ? ", ..." : "")}; name one as hf:owner/repo/FILE.gguf.";
    }

    [GeneratedRegex(@"-\d{5}-of-\d{5}\.gguf$", RegexOptions.IgnoreCase)]
    private static partial Regex SplitGguf();
}
