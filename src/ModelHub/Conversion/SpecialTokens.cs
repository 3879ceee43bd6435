using System.Text.Json;
using HiPO.Gguf;

namespace HiPO.ModelHub.Conversion;

/// <summary>
/// The special token ids llama.cpp needs (BOS, EOS, PAD, UNK) and whether a BOS is prepended.
/// tokenizer_config.json names them by text (<c>"eos_token": "&lt;|im_end|&gt;"</c>); config.json's
/// <c>bos_token_id</c> / <c>eos_token_id</c> fill in what it leaves out, as llama.cpp's converter does.
/// </summary>
internal sealed record SpecialTokens(int? Bos, int? Eos, int? Pad, int? Unknown, bool AddBos)
{
    public static SpecialTokens Resolve(JsonElement? settings, HfModelConfig config, IReadOnlyDictionary<string, int> ids)
    {
        int? Named(string key)
        {
            if (settings is not { } s || !s.TryGetProperty(key, out var value))
            {
                return null;
            }

            // Either "text" or an AddedToken object {"content": "text", ...}.
            string? text = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Object when value.TryGetProperty("content", out var content) => content.GetString(),
                _ => null,
            };
            return text is not null && ids.TryGetValue(text, out int id) ? id : null;
        }

        bool addBos = settings is { } s && s.TryGetProperty("add_bos_token", out var add) && add.ValueKind == JsonValueKind.True;
        return new SpecialTokens(
            Named("bos_token") ?? config.BosTokenId,
            Named("eos_token") ?? config.EosTokenId,
            Named("pad_token"),
            Named("unk_token"),
            addBos);
    }

    public void WriteTo(GgufWriter writer)
    {
        Write(writer, "tokenizer.ggml.bos_token_id", Bos);
        Write(writer, "tokenizer.ggml.eos_token_id", Eos);
        Write(writer, "tokenizer.ggml.padding_token_id", Pad);
        Write(writer, "tokenizer.ggml.unknown_token_id", Unknown);

        // Written even when false: llama.cpp would otherwise fall back to its own default.
        writer.AddBool("tokenizer.ggml.add_bos_token", AddBos);
    }

    private static void Write(GgufWriter writer, string key, int? id)
    {
        if (id is { } value)
        {
            writer.AddUInt32(key, (uint)value);
        }
    }
}
