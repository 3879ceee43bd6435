using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>
/// The wire fields every generation request shares (model, stream, sampling, stop, user), declared once; <see cref="SamplingMapper"/>
/// validates them. A record, so that one request's shared fields carry over to another (<c>new ChatCompletionRequest(responses)</c>).
/// </summary>
public abstract record SamplingRequest
{
    public string? Model { get; set; }
    public bool? Stream { get; set; }
    public double? Temperature { get; set; }
    public double? TopP { get; set; }
    public int? TopK { get; set; }
    public double? MinP { get; set; }
    public long? Seed { get; set; }
    /// <summary>A string or an array of up to 4 strings; applied to the answer only.</summary>
    public JsonElement? Stop { get; set; }
    public double? PresencePenalty { get; set; }
    public double? FrequencyPenalty { get; set; }
    public string? User { get; set; }
}
