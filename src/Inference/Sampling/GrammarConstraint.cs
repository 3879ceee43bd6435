using System.Runtime.InteropServices;
using System.Text;
using LLama.Native;

namespace HiPO.Inference.Sampling;

/// <summary>A GBNF grammar that llama.cpp refused to build: a client error (the grammar came from its schema or tools).</summary>
public sealed class GrammarRejectedException(string message) : Exception(message);

/// <summary>
/// One sequence's GBNF grammar state, on llama.cpp's grammar sampler. LLamaSharp's <c>AddGrammar</c> puts whatever
/// <c>llama_sampler_init_grammar</c> returns into its chain, and that is NULL for a grammar llama.cpp refuses (say a
/// repetition over its limit): the next native call then kills the process. Here the pointer is checked, so a refused
/// grammar is an exception for one request. The grammar is consulted only for the token the sampler picked; the whole
/// vocabulary is masked only when that token is refused (llama.cpp's own "grammar last" order).
/// </summary>
internal sealed unsafe class GrammarConstraint : IDisposable
{
    [StructLayout(LayoutKind.Sequential)]
    private struct TokenData
    {
        public int Id;
        public float Logit;
        public float P;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TokenDataArray
    {
        public TokenData* Data;
        public nuint Size;
        public long Selected;
        [MarshalAs(UnmanagedType.U1)]
        public bool Sorted;
    }

    private static readonly Lazy<Exports> Native = new(Exports.Bind);

    [ThreadStatic]
    private static TokenData[]? _vocabularyScratch;

    private IntPtr _sampler;

    private GrammarConstraint(IntPtr sampler) => _sampler = sampler;

    /// <summary>Builds the grammar for <paramref name="model"/>'s vocabulary; throws <see cref="GrammarRejectedException"/> when llama.cpp refuses it.</summary>
    public static GrammarConstraint Create(SafeLlamaModelHandle model, string gbnf)
    {
        var native = Native.Value;
        var vocab = native.ModelGetVocab(model.DangerousGetHandle());
        var text = Encoding.UTF8.GetBytes(gbnf + "\0");
        var root = "root\0"u8;
        IntPtr sampler;
        fixed (byte* textPointer = text)
        fixed (byte* rootPointer = root)
            sampler = native.InitGrammar(vocab, textPointer, rootPointer);
        return sampler == IntPtr.Zero
            ? throw new GrammarRejectedException("The inference engine could not build a grammar for this request's schema (llama.cpp refused it; see the server log for the construct).")
            : new GrammarConstraint(sampler);
    }

    /// <summary>Whether the grammar allows <paramref name="token"/> next.</summary>
    public bool Allows(int token)
    {
        var data = new TokenData { Id = token, Logit = 0f };
        var array = new TokenDataArray { Data = &data, Size = 1, Selected = -1 };
        Native.Value.Apply(_sampler, &array);
        return !float.IsNegativeInfinity(data.Logit);
    }

    /// <summary>Copies <paramref name="logits"/> into <paramref name="masked"/>, every token the grammar refuses set to negative infinity.</summary>
    public void Mask(ReadOnlySpan<float> logits, Span<float> masked)
    {
        var scratch = ScratchBuffer.Of(ref _vocabularyScratch, logits.Length);
        for (var id = 0; id < logits.Length; id++)
            scratch[id] = new TokenData { Id = id, Logit = logits[id] };
        fixed (TokenData* data = scratch)
        {
            var array = new TokenDataArray { Data = data, Size = (nuint)logits.Length, Selected = -1 };
            Native.Value.Apply(_sampler, &array);
            // The grammar sampler only lowers logits in place; it neither reorders nor resizes the array.
            for (var i = 0; i < (int)array.Size; i++)
                masked[data[i].Id] = data[i].Logit;
        }
    }

    /// <summary>Advances the grammar past <paramref name="token"/>.</summary>
    public void Accept(int token) => Native.Value.Accept(_sampler, token);

    public void Dispose()
    {
        if (_sampler == IntPtr.Zero)
            return;
        Native.Value.Free(_sampler);
        _sampler = IntPtr.Zero;
    }

    /// <summary>The few llama.cpp functions used here, bound from the library LLamaSharp loaded (so the same one, CPU or CUDA).</summary>
    private sealed class Exports
    {
        public required delegate* unmanaged[Cdecl]<IntPtr, IntPtr> ModelGetVocab;
        public required delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr> InitGrammar;
        public required delegate* unmanaged[Cdecl]<IntPtr, TokenDataArray*, void> Apply;
        public required delegate* unmanaged[Cdecl]<IntPtr, int, void> Accept;
        public required delegate* unmanaged[Cdecl]<IntPtr, void> Free;

        public static Exports Bind()
        {
            // Resolving "llama" against LLamaSharp's assembly goes through its resolver and returns the library it loaded.
            var library = NativeLibrary.Load("llama", typeof(NativeApi).Assembly, null);
            return new Exports
            {
                ModelGetVocab = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)NativeLibrary.GetExport(library, "llama_model_get_vocab"),
                InitGrammar = (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)NativeLibrary.GetExport(library, "llama_sampler_init_grammar"),
                Apply = (delegate* unmanaged[Cdecl]<IntPtr, TokenDataArray*, void>)NativeLibrary.GetExport(library, "llama_sampler_apply"),
                Accept = (delegate* unmanaged[Cdecl]<IntPtr, int, void>)NativeLibrary.GetExport(library, "llama_sampler_accept"),
                Free = (delegate* unmanaged[Cdecl]<IntPtr, void>)NativeLibrary.GetExport(library, "llama_sampler_free"),
            };
        }
    }
}
