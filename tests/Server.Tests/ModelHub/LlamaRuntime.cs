using LLama;
using LLama.Common;
using LLama.Native;

namespace HiPO.Server.Tests.ModelHub;

/// <summary>Loads GGUF files with the real llama.cpp runtime (through LLamaSharp) to tokenize and greedy-decode.</summary>
internal static class LlamaRuntime
{
    public static ModelParams Parameters(string path) => new(path) { ContextSize = 256, BatchSize = 256, GpuLayerCount = 0 };

    public static int[] Tokenize(LLamaWeights weights, string text) =>
        [.. weights.Tokenize(text, add_bos: false, special: true, Encoding.UTF8).Select(token => (int)token)];

    /// <summary>The prompt's tokens and the <paramref name="count"/> tokens greedy decoding appends to them.</summary>
    public static (int[] Prompt, int[] Generated) Greedy(string path, string prompt, int count)
    {
        var parameters = Parameters(path);
        using var weights = LLamaWeights.LoadFromFile(parameters);
        using var context = weights.CreateContext(parameters);
        LLamaToken[] tokens = context.Tokenize(prompt, addBos: false, special: true);
        var batch = new LLamaBatch();
        batch.AddRange(tokens, 0, LLamaSeqId.Zero, true);
        var generated = new List<int>();
        for (int position = tokens.Length; generated.Count < count; position++)
        {
            var result = context.Decode(batch);
            Assert.Equal(DecodeResult.Ok, result);
            var logits = context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            int next = 0;
            for (int i = 1; i < logits.Length; i++)
            {
                if (logits[i] > logits[next])
                {
                    next = i;
                }
            }

            generated.Add(next);
            batch.Clear();
            batch.Add((LLamaToken)next, position, LLamaSeqId.Zero, true);
        }

        return ([.. tokens.Select(token => (int)token)], [.. generated]);
    }
}
