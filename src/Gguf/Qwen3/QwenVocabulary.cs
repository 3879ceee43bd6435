namespace HiPO.Gguf.Qwen3;

/// <summary>
/// A byte-level BPE vocabulary in Qwen's form: the 256 byte tokens, Qwen's control tokens, HiPO's
/// tags as added tokens, and whatever word tokens a model needs. It has no merges: llama.cpp then
/// tokenizes ordinary text into byte tokens only, while a model may still generate word tokens.
/// </summary>
internal sealed class QwenVocabulary
{
    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>Qwen's ids for its control tokens, kept where the vocabulary is large enough.</summary>
    public const int QwenEndOfTextId = 151643;

    public static IReadOnlyList<string> ControlTokens { get; } = [EndOfText, ImStart, ImEnd];

    /// <summary>HiPO's tags, single added tokens here as <c>&lt;think&gt;</c> is in Qwen's vocabulary.</summary>
    public static IReadOnlyList<string> HipoTags { get; } =
        ["<judge>", "</judge>", "<think_on>", "<think_off>", "<think>", "</think>", "<answer>", "</answer>"];

    private readonly List<string> _texts = [];
    private readonly List<QwenTokenType> _types = [];
    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public int Count => _texts.Count;

    public static bool EndsGeneration(string text) => text is ImEnd or EndOfText;

    /// <summary>Adds the 256 byte tokens; byte <c>b</c> gets id <c>Count + b</c>.</summary>
    public void AddByteTokens()
    {
        for (int b = 0; b < 256; b++)
        {
            Add(ByteLevelEncoding.Encode((byte)b).ToString(), QwenTokenType.Normal);
        }
    }

    /// <summary>Adds the control tokens, then the HiPO tags.</summary>
    public void AddSpecialTokens()
    {
        foreach (string control in ControlTokens)
        {
            Add(control, QwenTokenType.Control);
        }

        foreach (string tag in HipoTags)
        {
            Add(tag, QwenTokenType.UserDefined);
        }
    }

    /// <summary>Adds a token by its stored text and returns its id.</summary>
    public int Add(string storedText, QwenTokenType type)
    {
        if (!_ids.TryAdd(storedText, _texts.Count))
        {
            throw new InvalidOperationException($"The vocabulary already holds '{storedText}'; llama.cpp rejects duplicate tokens.");
        }

        _texts.Add(storedText);
        _types.Add(type);
        return _texts.Count - 1;
    }

    public bool Contains(string storedText) => _ids.ContainsKey(storedText);

    public int IdOf(string storedText) => _ids[storedText];

    /// <summary>Writes the <c>tokenizer.*</c> metadata llama.cpp's BPE loader reads.</summary>
    public void WriteTo(GgufWriter writer)
    {
        writer.AddString("tokenizer.ggml.model", "gpt2");
        writer.AddString("tokenizer.ggml.pre", "qwen2");
        writer.AddStringArray("tokenizer.ggml.tokens", _texts);
        writer.AddInt32Array("tokenizer.ggml.token_type", [.. _types.Select(t => (int)t)]);

        // llama.cpp requires the key even though the list is empty.
        writer.AddStringArray("tokenizer.ggml.merges", []);
        writer.AddUInt32("tokenizer.ggml.eos_token_id", (uint)IdOf(ImEnd));
        writer.AddUInt32("tokenizer.ggml.padding_token_id", (uint)IdOf(EndOfText));
        writer.AddUInt32("tokenizer.ggml.bos_token_id", (uint)IdOf(EndOfText));
        writer.AddBool("tokenizer.ggml.add_bos_token", false);
    }
}
