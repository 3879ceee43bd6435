using HiPO.Inference.Sampling;
using HiPO.Server.Tests.Gguf;
using LLama;

namespace HiPO.Server.Tests.StructuredOutput;

/// <summary>
/// Asks llama.cpp itself whether it accepts a grammar, through the server's own <see cref="GrammarConstraint"/>: the
/// path a request's grammar takes.
/// </summary>
internal static class NativeGrammar
{
    private static readonly Lazy<LLamaWeights> Weights = new(() => LlamaRuntime.Load(TestModels.PathOf(ScriptedModels.ThinkOff)));

    public static bool Accepts(string gbnf)
    {
        try
        {
            using var grammar = GrammarConstraint.Create(Weights.Value.NativeHandle, gbnf);
            return true;
        }
        catch (GrammarRejectedException)
        {
            return false;
        }
    }
}
