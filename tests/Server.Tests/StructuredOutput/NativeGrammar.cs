using System.Diagnostics;
using System.Runtime.InteropServices;
using HiPO.Server.Tests.Gguf;
using LLama;

namespace HiPO.Server.Tests.StructuredOutput;

/// <summary>
/// Asks llama.cpp itself whether it accepts a grammar, by calling <c>llama_sampler_init_grammar</c> in the library
/// LLamaSharp loaded: null means refused. (Through LLamaSharp a refused grammar becomes a null sampler that crashes
/// the process on first use, which a test must not do.)
/// </summary>
internal static class NativeGrammar
{
    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GetVocab(IntPtr model);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr InitGrammar(IntPtr vocab, [MarshalAs(UnmanagedType.LPUTF8Str)] string grammar, [MarshalAs(UnmanagedType.LPUTF8Str)] string root);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void FreeSampler(IntPtr sampler);

    private static readonly Lazy<(LLamaWeights Weights, GetVocab Vocab, InitGrammar Init, FreeSampler Free)> Library = new(Open);

    public static bool Accepts(string gbnf)
    {
        var (weights, vocab, init, free) = Library.Value;
        var sampler = init(vocab(weights.NativeHandle.DangerousGetHandle()), gbnf, "root");
        if (sampler == IntPtr.Zero)
            return false;
        free(sampler);
        return true;
    }

    private static (LLamaWeights, GetVocab, InitGrammar, FreeSampler) Open()
    {
        var weights = LlamaRuntime.Load(TestModels.PathOf(ScriptedModels.ThinkOff));
        var path = Process.GetCurrentProcess().Modules.Cast<ProcessModule>()
            .First(m => Path.GetFileName(m.FileName) is "libllama.so" or "llama.dll" or "libllama.dylib").FileName;
        var library = NativeLibrary.Load(path);
        T Export<T>(string name) => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
        return (weights, Export<GetVocab>("llama_model_get_vocab"), Export<InitGrammar>("llama_sampler_init_grammar"), Export<FreeSampler>("llama_sampler_free"));
    }
}
