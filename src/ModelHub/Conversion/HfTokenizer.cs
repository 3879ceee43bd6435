using System.Text.Json;
using HiPO.Gguf;
using Microsoft.Extensions.Logging;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (<c>tokenizer.json</c> and <c>tokenizer_config.json</c>)
/// as llama.cpp's <c>gpt2</c> tokenizer model with Qwen2's pre-tokenizer: the vocabulary in id order,
/// each token's type, the merges, the special token ids, and the chat template.
/// </summary>
internal sealed class HfTokenizer
{
    /// <summary>
    /// Qwen2's pre-tokenizer split as tokenizer.json writes it. llama.cpp's <c>qwen2</c> pre-tokenizer
    /// implements exactly this expression, so a different one would tokenize differently.
    /// </summary>
    public const string Qwen2Split =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private HfTokenizer(string[] tokens, GgufTokenType[] types, string[] merges, SpecialTokens special, string? chatTemplate)
    {
        Tokens = tokens;
        Types = types;
        Merges = merges;
        Special = special;
        ChatTemplate = chatTemplate;
    }

    public IReadOnlyList<string> Tokens { get; }

    public IReadOnlyList<GgufTokenType> Types { get; }

    public IReadOnlyList<string> Merges { get; }

    public SpecialTokens Special { get; }

    public string? ChatTemplate { get; }

    /// <summary>Reads the tokenizer of the checkpoint in <paramref name="folder"/>, padded to config.json's vocab_size.</summary>
    public static HfTokenizer Load(string folder, HfModelConfig config, ILogger logger)
    {
        string tokenizerPath = Path.Combine(folder, CheckpointFiles.Tokenizer);
        try
        {
            return Read(folder, tokenizerPath, config, logger);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            // A JSON element of the wrong kind or a missing key: name the file rather than the JSON API's complaint.
            throw new HubException($"{tokenizerPath} or its tokenizer_config.json is not in the form this converter reads: {e.Message}", inner: e);
        }
    }

    private static HfTokenizer Read(string folder, string tokenizerPath, HfModelConfig config, ILogger logger)
    {
        using var tokenizerJson = CheckpointFiles.ReadJson(tokenizerPath);
        var tokenizer = tokenizerJson.RootElement;
        var model = tokenizer.GetProperty("model");
        string modelType = model.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (modelType != "BPE")
        {
            throw new HubException($"{tokenizerPath}: the tokenizer model is '{modelType}'; only byte-level BPE (Qwen's) can be converted.");
        }

        CheckPreTokenizer(tokenizer, tokenizerPath, logger);

        string configPath = Path.Combine(folder, CheckpointFiles.TokenizerConfig);
        using var tokenizerConfig = File.Exists(configPath) ? CheckpointFiles.ReadJson(configPath) : null;
        var settings = tokenizerConfig?.RootElement;

        int size = config.Shape.VocabularySize;
        var tokens = new string?[size];
        var types = new GgufTokenType[size];
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
        {
            Place(tokens, types, entry.Value.GetInt32(), entry.Name, GgufTokenType.Normal, tokenizerPath);
        }

        foreach (var (id, content, special) in AddedTokens(tokenizer, settings, tokenizerPath))
        {
            // llama.cpp's converter also treats <|...|> tokens as control tokens whatever their flag:
            // Qwen marks e.g. <|fim_prefix|> as not special, yet it must never be shown as text.
            bool control = special || (content.StartsWith("<|", StringComparison.Ordinal) && content.EndsWith("|>", StringComparison.Ordinal));
            Place(tokens, types, id, content, control ? GgufTokenType.Control : GgufTokenType.UserDefined, tokenizerPath);
        }

        int padded = 0;
        for (int id = 0; id < size; id++)
        {
            if (tokens[id] is null)
            {
                // The embedding matrix is padded past the tokenizer (Qwen3: 151669 tokens, 151936 rows).
                tokens[id] = $"[PAD{id}]";
                types[id] = GgufTokenType.Unused;
                padded++;
            }
        }

        if (padded > 0)
        {
            logger.LogDebug("The tokenizer defines {Defined} of {Size} ids; the rest are unused padding", size - padded, size);
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int id = size - 1; id >= 0; id--)
        {
            ids[tokens[id]!] = id;
        }

        string[] merges = [.. model.GetProperty("merges").EnumerateArray().Select(Merge)];
        var specialTokens = SpecialTokens.Resolve(settings, config, ids);
        string? chatTemplate = ChatTemplateOf(settings, folder);
        if (chatTemplate is null)
        {
            logger.LogWarning("The checkpoint has no chat template (tokenizer_config.json chat_template or chat_template.jinja)");
        }

        return new HfTokenizer([.. tokens.Select(token => token!)], types, merges, specialTokens, chatTemplate);
    }

    /// <summary>Writes the <c>tokenizer.*</c> metadata llama.cpp's BPE loader reads.</summary>
    public void WriteTo(GgufWriter writer)
    {
        writer.AddString("tokenizer.ggml.model", "gpt2");
        writer.AddString("tokenizer.ggml.pre", "qwen2");
        writer.AddStringArray("tokenizer.ggml.tokens", Tokens);
        writer.AddInt32Array("tokenizer.ggml.token_type", [.. Types.Select(type => (int)type)]);
        writer.AddStringArray("tokenizer.ggml.merges", Merges);
        Special.WriteTo(writer);
        if (ChatTemplate is not null)
        {
            writer.AddString("tokenizer.chat_template", ChatTemplate);
        }
    }

    private static void Place(string?[] tokens, GgufTokenType[] types, int id, string content, GgufTokenType type, string path)
    {
        if (id < 0 || id >= tokens.Length)
        {
            throw new HubException($"{path}: token '{content}' has id {id}, outside the model's vocab_size of {tokens.Length}.");
        }

        if (tokens[id] is { } existing && existing != content)
        {
            throw new HubException($"{path}: id {id} is both '{existing}' and '{content}'.");
        }

        tokens[id] = content;
        types[id] = type;
    }

    /// <summary>
    /// Added tokens from tokenizer.json, with tokenizer_config.json's added_tokens_decoder on top:
    /// transformers applies the latter last, so its special flags win.
    /// </summary>
    private static IEnumerable<(int Id, string Content, bool Special)> AddedTokens(JsonElement tokenizer, JsonElement? settings, string path)
    {
        var added = new SortedDictionary<int, (string Content, bool Special)>();
        if (tokenizer.TryGetProperty("added_tokens", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var token in list.EnumerateArray())
            {
                added[token.GetProperty("id").GetInt32()] = (token.GetProperty("content").GetString()!, IsSpecial(token));
            }
        }

        if (settings is { } s && s.TryGetProperty("added_tokens_decoder", out var decoder) && decoder.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in decoder.EnumerateObject())
            {
                int id = int.Parse(entry.Name, System.Globalization.CultureInfo.InvariantCulture);
                string content = entry.Value.GetProperty("content").GetString()!;
                if (added.TryGetValue(id, out var known) && known.Content != content)
                {
                    throw new HubException($"{path}: added token {id} is '{known.Content}' but tokenizer_config.json says '{content}'.");
                }

                added[id] = (content, IsSpecial(entry.Value));
            }
        }

        return added.Select(pair => (pair.Key, pair.Value.Content, pair.Value.Special));
    }

    private static bool IsSpecial(JsonElement token) =>
        token.TryGetProperty("special", out var special) && special.ValueKind == JsonValueKind.True;

    // Merges are "a b" strings in older tokenizer.json files and ["a", "b"] pairs in newer ones.
    private static string Merge(JsonElement merge) => merge.ValueKind == JsonValueKind.Array
        ? $"{merge[0].GetString()} {merge[1].GetString()}"
        : merge.GetString()!;

    private static void CheckPreTokenizer(JsonElement tokenizer, string path, ILogger logger)
    {
        var patterns = new List<string>();
        if (tokenizer.TryGetProperty("pre_tokenizer", out var pre))
        {
            CollectSplitPatterns(pre, patterns);
        }

        if (patterns is not [Qwen2Split])
        {
            logger.LogWarning(
                "{Path}: the pre-tokenizer splits with {Patterns}, not Qwen2's expression; llama.cpp's qwen2 pre-tokenizer may tokenize some text differently",
                path, patterns.Count == 0 ? "no regex" : string.Join(" and ", patterns));
        }
    }

    private static void CollectSplitPatterns(JsonElement node, List<string> patterns)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        if (node.TryGetProperty("type", out var type) && type.GetString() == "Split"
            && node.TryGetProperty("pattern", out var pattern) && pattern.TryGetProperty("Regex", out var regex))
        {
            patterns.Add(regex.GetString()!);
        }

        if (node.TryGetProperty("pretokenizers", out var children) && children.ValueKind == JsonValueKind.Array)
        {
            foreach (var child in children.EnumerateArray())
            {
                CollectSplitPatterns(child, patterns);
            }
        }
    }

    /// <summary>The default chat template: tokenizer_config.json's chat_template (a string, or a list of named templates), else chat_template.jinja.</summary>
    private static string? ChatTemplateOf(JsonElement? settings, string folder)
    {
        if (settings is { } s && s.TryGetProperty("chat_template", out var template))
        {
            if (template.ValueKind == JsonValueKind.String)
            {
                return template.GetString();
            }

            if (template.ValueKind == JsonValueKind.Array)
            {
                return template.EnumerateArray()
                    .Where(named => named.GetProperty("name").GetString() == "default")
                    .Select(named => named.GetProperty("template").GetString())
                    .FirstOrDefault();
            }
        }

        string jinja = Path.Combine(folder, CheckpointFiles.ChatTemplate);
        return File.Exists(jinja) ? File.ReadAllText(jinja) : null;
    }
}
