using HiPO.Inference.Scheduling;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Generation;

/// <summary>What an endpoint's validated request gives the <see cref="GenerationPipeline"/>: the engine request and the reply mode.</summary>
public interface IGenerationPlan
{
    GenerationRequest Generation { get; }

    bool Stream { get; }

    /// <summary>An engine refusal (named in chat's fields by <see cref="EngineGate"/>) in this endpoint's field names.</summary>
    ApiException Refused(ApiException refusal) => refusal;
}
