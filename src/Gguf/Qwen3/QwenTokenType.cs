namespace HiPO.Gguf.Qwen3;

/// <summary>llama.cpp's token types (<c>tokenizer.ggml.token_type</c>) as Qwen's vocabulary uses them.</summary>
internal enum QwenTokenType
{
    /// <summary>Ordinary BPE text, stored in byte-level form.</summary>
    Normal = 1,

    /// <summary>Chat-format markers such as <c>&lt;|im_end|&gt;</c>; rendered only when special tokens are.</summary>
    Control = 3,

    /// <summary>Added tokens such as <c>&lt;think&gt;</c>: stored and rendered raw, matched whole in any prompt text.</summary>
    UserDefined = 4,
}
