namespace HiPO.Bench.Engine;

/// <summary>One raw-engine wave: <see cref="Sequences"/> prompts prefilled together, then decoded in lockstep.</summary>
/// <param name="DecodeTokens">Tokens sampled after the prefill (the first token of each sequence comes from the prefill).</param>
public sealed record EngineWave(int Sequences, int PromptTokens, TimeSpan Prefill, TimeSpan Decode, int DecodeTokens);
