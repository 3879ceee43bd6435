namespace HiPO.ModelHub.Conversion;

/// <summary>llama.cpp's token types (<c>tokenizer.ggml.token_type</c>), numbered as in llama.cpp and gguf-py.</summary>
internal enum GgufTokenType
{
    /// <summary>Ordinary BPE text, stored in byte-level form and merged by the BPE rules.</summary>
    Normal = 1,

    /// <summary>Chat and document markers such as <c>&lt;|im_end|&gt;</c>: parsed only from template text, hidden when rendering.</summary>
    Control = 3,

    /// <summary>Added tokens such as <c>&lt;think&gt;</c>: stored raw, always matched whole, rendered as text.</summary>
    UserDefined = 4,

    /// <summary>Ids the embedding matrix has rows for but the tokenizer never produces.</summary>
    Unused = 5,
}
