using HiPO.Server.Telemetry;

namespace HiPO.Server.Generation;

/// <summary>What the pipeline gives every reply: the served model, the creation time, the request's telemetry and whether to report timings.</summary>
public sealed record ReplyContext(string Model, long Created, CompletionTelemetry Telemetry, bool Timings);
