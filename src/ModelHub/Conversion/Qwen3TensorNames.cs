using System.Text.RegularExpressions;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// Maps llama.cpp's qwen3 tensor names to the Hugging Face Qwen3 names they come from (as llama.cpp's
/// convert_hf_to_gguf.py does). Qwen3 needs no reordering of rows: a Hugging Face <c>[out, in]</c>
/// row-major matrix is byte for byte the ggml tensor <c>[in, out]</c>.
/// </summary>
internal static partial class Qwen3TensorNames
{
    private static readonly Dictionary<string, string> BlockSuffixes = new(StringComparer.Ordinal)
    {
        ["attn_norm.weight"] = "input_layernorm.weight",
        ["attn_q.weight"] = "self_attn.q_proj.weight",
        ["attn_k.weight"] = "self_attn.k_proj.weight",
        ["attn_v.weight"] = "self_attn.v_proj.weight",
        ["attn_q_norm.weight"] = "self_attn.q_norm.weight",
        ["attn_k_norm.weight"] = "self_attn.k_norm.weight",
        ["attn_output.weight"] = "self_attn.o_proj.weight",
        ["ffn_norm.weight"] = "post_attention_layernorm.weight",
        ["ffn_gate.weight"] = "mlp.gate_proj.weight",
        ["ffn_up.weight"] = "mlp.up_proj.weight",
        ["ffn_down.weight"] = "mlp.down_proj.weight",
    };

    /// <summary>The output matrix, absent (or ignored) when the checkpoint ties it to the embeddings.</summary>
    public const string Output = "lm_head.weight";

    public static string HuggingFaceName(string ggufName)
    {
        switch (ggufName)
        {
            case "token_embd.weight":
                return "model.embed_tokens.weight";
            case "output_norm.weight":
                return "model.norm.weight";
            case "output.weight":
                return Output;
        }

        var block = BlockName().Match(ggufName);
        return block.Success && BlockSuffixes.TryGetValue(block.Groups[2].Value, out string? suffix)
            ? $"model.layers.{block.Groups[1].Value}.{suffix}"
            : throw new ArgumentException($"No Hugging Face name is known for the qwen3 tensor '{ggufName}'.", nameof(ggufName));
    }

    /// <summary>Tensors a checkpoint may carry that hold no weights llama.cpp needs (it recomputes RoPE frequencies).</summary>
    public static bool IsIgnorable(string huggingFaceName) => huggingFaceName.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal);

    [GeneratedRegex(@"^blk\.(\d+)\.(.+)$")]
    private static partial Regex BlockName();
}
