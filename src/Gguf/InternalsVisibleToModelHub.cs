using System.Runtime.CompilerServices;

// The checkpoint converter in HiPO.ModelHub writes qwen3 files through the same layout
// (Qwen3ModelFile: hyper-parameter keys, tensor names and shapes) as the generated models here.
[assembly: InternalsVisibleTo("HiPO.ModelHub")]
