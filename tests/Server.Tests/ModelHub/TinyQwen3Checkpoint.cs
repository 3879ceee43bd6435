using System.Buffers.Binary;

namespace HiPO.Server.Tests.ModelHub;

/// <summary>
/// A tiny Qwen3 model in Hugging Face's format, made by the test: random BF16 matrices and F32 norms
/// in two safetensors shards with an index, config.json, a byte-level BPE tokenizer.json with merges
/// trained on a small corpus, and a tokenizer_config.json with added tokens and a HiPO chat template.
/// It can also write the same weights straight to a GGUF, as the reference a conversion must match.
/// </summary>
internal sealed class TinyQwen3Checkpoint
{
    public const int Hidden = 256;
    public const int Layers = 2;
    public const int Heads = 4;
    public const int KvHeads = 2;
    public const int HeadDim = 64;
    public const int FeedForward = 512;
    public const int VocabularySize = 512;
    public const int ContextLength = 4096;
    public const float RopeTheta = 1_000_000f;
    public const float RmsEpsilon = 1e-6f;

    public const string EndOfText = "<|endoftext|>";
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>KAT-V1's form: the generation prompt opens the judge block.</summary>
    public const string ChatTemplate =
        "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{%- endfor %}\n" +
        "{%- if add_generation_prompt %}\n    {{- '<|im_start|>assistant\\n<judge>\\n' }}\n{%- endif %}\n";

    private static readonly string[] Special = [EndOfText, ImStart, ImEnd];
    private static readonly string[] HipoTags = ["<judge>", "</judge>", "<think_on>", "<think_off>", "<think>", "</think>", "<answer>", "</answer>"];

    private const string Corpus = """
        Hello world! Hello there, world. The quick brown fox jumps over the lazy dog; the dog sleeps.
        Should this question be answered with reasoning? It's simple: answer directly, they'll say.
        We're thinking about the answer, and the answer is 42 or 1234. Numbers like 2025 split digit by digit.
        def hello_world():\n    return "hello"\n\nprint(hello_world())
        Café, naïve, déjà vu. 你好，世界。 Привет, мир! Emoji: 🙂 done.
        the the the and and and world world hello hello answer answer reasoning reasoning judge judge
        """;

    private readonly List<(string Name, long[] Shape, float[] Values, bool Bf16)> _tensors = [];

    private TinyQwen3Checkpoint(bool tied, ReferenceBpe tokenizer)
    {
        Tied = tied;
        Tokenizer = tokenizer;
    }

    public bool Tied { get; }

    /// <summary>The checkpoint's <c>generation_config.json</c>; Qwen3's (and HiPO's) recommended sampling by default.</summary>
    public JsonObject GenerationConfig { get; set; } = new()
    {
        ["do_sample"] = true,
        ["temperature"] = 0.6,
        ["top_k"] = 20,
        ["top_p"] = 0.95,
    };

    public ReferenceBpe Tokenizer { get; }

    public int IdOf(string addedToken) => Tokenizer.AddedTokens[addedToken];

    public static TinyQwen3Checkpoint Create(bool tied, int seed = 7)
    {
        var tokenizer = ReferenceBpe.Train(Corpus, mergeCount: 150, [.. Special, .. HipoTags]);
        var checkpoint = new TinyQwen3Checkpoint(tied, tokenizer);
        var random = new Random(seed);
        checkpoint.AddMatrix("model.embed_tokens.weight", VocabularySize, Hidden, 0.5f, random);
        for (int layer = 0; layer < Layers; layer++)
        {
            string block = $"model.layers.{layer}.";
            checkpoint.AddNorm(block + "input_layernorm.weight", Hidden, random);
            checkpoint.AddMatrix(block + "self_attn.q_proj.weight", Heads * HeadDim, Hidden, 0.1f, random);
            checkpoint.AddMatrix(block + "self_attn.k_proj.weight", KvHeads * HeadDim, Hidden, 0.1f, random);
            checkpoint.AddMatrix(block + "self_attn.v_proj.weight", KvHeads * HeadDim, Hidden, 0.1f, random);
            checkpoint.AddMatrix(block + "self_attn.o_proj.weight", Hidden, Heads * HeadDim, 0.1f, random);
            checkpoint.AddNorm(block + "self_attn.q_norm.weight", HeadDim, random);
            checkpoint.AddNorm(block + "self_attn.k_norm.weight", HeadDim, random);
            checkpoint.AddNorm(block + "post_attention_layernorm.weight", Hidden, random);
            checkpoint.AddMatrix(block + "mlp.gate_proj.weight", FeedForward, Hidden, 0.1f, random);
            checkpoint.AddMatrix(block + "mlp.up_proj.weight", FeedForward, Hidden, 0.1f, random);
            checkpoint.AddMatrix(block + "mlp.down_proj.weight", Hidden, FeedForward, 0.1f, random);
        }

        checkpoint.AddNorm("model.norm.weight", Hidden, random);
        if (!tied)
        {
            checkpoint.AddMatrix("lm_head.weight", VocabularySize, Hidden, 0.5f, random);
        }

        return checkpoint;
    }

    /// <summary>The checkpoint's files, as a hub repository or a folder holds them.</summary>
    /// <param name="extraTensor">A tensor name a Qwen3 model does not have, added to the last shard.</param>
    public Dictionary<string, byte[]> Files(bool mergesAsPairs = true, string? extraTensor = null)
    {
        var tensors = _tensors.ToList();
        if (extraTensor is not null)
        {
            tensors.Add((extraTensor, [Hidden], new float[Hidden], false));
        }

        int split = tensors.FindIndex(t => t.Name.StartsWith("model.layers.1.", StringComparison.Ordinal));
        var shards = new[] { ("model-00001-of-00002.safetensors", tensors[..split]), ("model-00002-of-00002.safetensors", tensors[split..]) };
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var weightMap = new JsonObject();
        foreach (var (file, content) in shards)
        {
            files[file] = Safetensors(content);
            foreach (var tensor in content)
            {
                weightMap[tensor.Name] = file;
            }
        }

        files["model.safetensors.index.json"] = Json(new JsonObject { ["metadata"] = new JsonObject(), ["weight_map"] = weightMap });
        files["config.json"] = Json(Config());
        files["tokenizer.json"] = Json(TokenizerJson(mergesAsPairs));
        files["tokenizer_config.json"] = Json(TokenizerConfig());
        files["generation_config.json"] = Json(JsonNode.Parse(GenerationConfig.ToJsonString())!);
        files["README.md"] = Encoding.UTF8.GetBytes("# HiPO tiny\n");
        return files;
    }

    public void WriteTo(string folder, bool mergesAsPairs = true, string? extraTensor = null)
    {
        Directory.CreateDirectory(folder);
        foreach (var (name, content) in Files(mergesAsPairs, extraTensor))
        {
            File.WriteAllBytes(Path.Combine(folder, name), content);
        }
    }

    /// <summary>
    /// Writes the same model straight to GGUF with the test's own naming of llama.cpp's qwen3 tensors
    /// and keys: matrices F16, norms F32, the tokenizer as llama.cpp's gpt2 model.
    /// </summary>
    public void WriteGgufDirectly(string path)
    {
        var writer = new GgufWriter();
        writer.AddString("general.architecture", "qwen3");
        writer.AddString("general.name", "direct");
        writer.AddUInt32("qwen3.context_length", ContextLength);
        writer.AddUInt32("qwen3.embedding_length", Hidden);
        writer.AddUInt32("qwen3.block_count", Layers);
        writer.AddUInt32("qwen3.feed_forward_length", FeedForward);
        writer.AddUInt32("qwen3.attention.head_count", Heads);
        writer.AddUInt32("qwen3.attention.head_count_kv", KvHeads);
        writer.AddUInt32("qwen3.attention.key_length", HeadDim);
        writer.AddUInt32("qwen3.attention.value_length", HeadDim);
        writer.AddFloat32("qwen3.rope.freq_base", RopeTheta);
        writer.AddFloat32("qwen3.attention.layer_norm_rms_epsilon", RmsEpsilon);

        var tokens = Enumerable.Range(0, VocabularySize).Select(id => $"[PAD{id}]").ToArray();
        var types = Enumerable.Repeat(5, VocabularySize).ToArray();
        foreach (var (text, id) in Tokenizer.Vocab)
        {
            (tokens[id], types[id]) = (text, 1);
        }

        foreach (var (text, id) in Tokenizer.AddedTokens)
        {
            (tokens[id], types[id]) = (text, Special.Contains(text) ? 3 : 4);
        }

        writer.AddString("tokenizer.ggml.model", "gpt2");
        writer.AddString("tokenizer.ggml.pre", "qwen2");
        writer.AddStringArray("tokenizer.ggml.tokens", tokens);
        writer.AddInt32Array("tokenizer.ggml.token_type", types);
        writer.AddStringArray("tokenizer.ggml.merges", [.. Tokenizer.Merges.Select(m => $"{m.Left} {m.Right}")]);
        writer.AddUInt32("tokenizer.ggml.bos_token_id", (uint)IdOf(EndOfText));
        writer.AddUInt32("tokenizer.ggml.eos_token_id", (uint)IdOf(ImEnd));
        writer.AddUInt32("tokenizer.ggml.padding_token_id", (uint)IdOf(EndOfText));
        writer.AddBool("tokenizer.ggml.add_bos_token", false);

        var names = new Dictionary<string, string>
        {
            ["model.embed_tokens.weight"] = "token_embd.weight",
            ["model.norm.weight"] = "output_norm.weight",
            ["lm_head.weight"] = "output.weight",
        };
        var blockNames = new Dictionary<string, string>
        {
            ["input_layernorm.weight"] = "attn_norm.weight",
            ["self_attn.q_proj.weight"] = "attn_q.weight",
            ["self_attn.k_proj.weight"] = "attn_k.weight",
            ["self_attn.v_proj.weight"] = "attn_v.weight",
            ["self_attn.o_proj.weight"] = "attn_output.weight",
            ["self_attn.q_norm.weight"] = "attn_q_norm.weight",
            ["self_attn.k_norm.weight"] = "attn_k_norm.weight",
            ["post_attention_layernorm.weight"] = "ffn_norm.weight",
            ["mlp.gate_proj.weight"] = "ffn_gate.weight",
            ["mlp.up_proj.weight"] = "ffn_up.weight",
            ["mlp.down_proj.weight"] = "ffn_down.weight",
        };
        foreach (var (name, shape, values, _) in _tensors)
        {
            string ggufName = names.TryGetValue(name, out string? n)
                ? n
                : $"blk.{name.Split('.')[2]}.{blockNames[string.Join('.', name.Split('.')[3..])]}";
            long[] ggmlShape = [.. shape.Reverse()];
            if (shape.Length == 1)
            {
                writer.AddTensor(ggufName, GgmlType.F32, ggmlShape, data => TensorEncoding.WriteF32(data, values));
            }
            else
            {
                writer.AddTensor(ggufName, GgmlType.F16, ggmlShape, data => TensorEncoding.WriteF16(data, values));
            }
        }

        writer.WriteTo(path);
    }

    private JsonObject Config() => new()
    {
        ["architectures"] = new JsonArray("Qwen3ForCausalLM"),
        ["model_type"] = "qwen3",
        ["hidden_size"] = Hidden,
        ["intermediate_size"] = FeedForward,
        ["num_hidden_layers"] = Layers,
        ["num_attention_heads"] = Heads,
        ["num_key_value_heads"] = KvHeads,
        ["head_dim"] = HeadDim,
        ["vocab_size"] = VocabularySize,
        ["max_position_embeddings"] = ContextLength,
        ["rope_theta"] = RopeTheta,
        ["rope_scaling"] = null,
        ["rms_norm_eps"] = RmsEpsilon,
        ["attention_bias"] = false,
        ["tie_word_embeddings"] = Tied,
        ["bos_token_id"] = IdOf(EndOfText),
        ["eos_token_id"] = IdOf(ImEnd),
        ["torch_dtype"] = "bfloat16",
    };

    private JsonObject TokenizerJson(bool mergesAsPairs)
    {
        var vocab = new JsonObject();
        foreach (var (text, id) in Tokenizer.Vocab.OrderBy(p => p.Value))
        {
            vocab[text] = id;
        }

        var merges = new JsonArray([.. Tokenizer.Merges.Select(m => mergesAsPairs
            ? (JsonNode)new JsonArray(m.Left, m.Right)
            : JsonValue.Create($"{m.Left} {m.Right}"))]);
        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray([.. Tokenizer.AddedTokens.Select(p => (JsonNode)AddedToken(p.Key, p.Value, withId: true))]),
            ["normalizer"] = new JsonObject { ["type"] = "NFC" },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = ReferenceBpe.Qwen2Split },
                        ["behavior"] = "Isolated",
                        ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["dropout"] = null,
                ["unk_token"] = null,
                ["byte_fallback"] = false,
                ["ignore_merges"] = false,
                ["vocab"] = vocab,
                ["merges"] = merges,
            },
        };
    }

    private JsonObject TokenizerConfig()
    {
        var decoder = new JsonObject();
        foreach (var (text, id) in Tokenizer.AddedTokens)
        {
            decoder[id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = AddedToken(text, id, withId: false);
        }

        return new JsonObject
        {
            ["add_bos_token"] = false,
            ["added_tokens_decoder"] = decoder,
            ["bos_token"] = null,
            ["eos_token"] = ImEnd,
            ["pad_token"] = EndOfText,
            ["chat_template"] = ChatTemplate,
            ["model_max_length"] = ContextLength,
            ["tokenizer_class"] = "Qwen2Tokenizer",
        };
    }

    private static JsonObject AddedToken(string content, int id, bool withId)
    {
        var token = new JsonObject();
        if (withId)
        {
            token["id"] = id;
        }

        token["content"] = content;
        token["single_word"] = false;
        token["lstrip"] = false;
        token["rstrip"] = false;
        token["normalized"] = false;
        token["special"] = Special.Contains(content);
        return token;
    }

    private void AddMatrix(string name, int rows, int columns, float scale, Random random)
    {
        var values = new float[rows * columns];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = RoundToBf16((float)(Normal(random) * scale));
        }

        _tensors.Add((name, [rows, columns], values, true));
    }

    private void AddNorm(string name, int width, Random random)
    {
        float[] values = [.. Enumerable.Range(0, width).Select(_ => 1f + (float)(Normal(random) * 0.1))];
        _tensors.Add((name, [width], values, false));
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Rounds to the nearest bfloat16 (ties to even), so the values written in BF16 are exactly these floats.</summary>
    private static float RoundToBf16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return BitConverter.UInt32BitsToSingle(bits & 0xFFFF0000);
    }

    private static byte[] Safetensors(IReadOnlyList<(string Name, long[] Shape, float[] Values, bool Bf16)> tensors)
    {
        var header = new JsonObject { ["__metadata__"] = new JsonObject { ["format"] = "pt" } };
        using var data = new MemoryStream();
        Span<byte> bytes = stackalloc byte[4];
        foreach (var (name, shape, values, bf16) in tensors)
        {
            long start = data.Length;
            foreach (float value in values)
            {
                if (bf16)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16));
                    data.Write(bytes[..2]);
                }
                else
                {
                    BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                    data.Write(bytes);
                }
            }

            header[name] = new JsonObject
            {
                ["dtype"] = bf16 ? "BF16" : "F32",
                ["shape"] = new JsonArray([.. shape.Select(d => (JsonNode)d)]),
                ["data_offsets"] = new JsonArray(start, data.Length),
            };
        }

        // The format pads the header with spaces to a multiple of 8 bytes.
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padded = (json.Length + 7) / 8 * 8;
        using var file = new MemoryStream();
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Write(length);
        file.Write(json);
        file.Write(Enumerable.Repeat((byte)' ', padded - json.Length).ToArray());
        data.Position = 0;
        data.CopyTo(file);
        return file.ToArray();
    }

    private static byte[] Json(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
}
