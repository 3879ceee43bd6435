namespace HiPO.Server.Telemetry;

/// <summary>Logging, metrics and tracing settings (configuration section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Write logs to the console as JSON (one event per line) instead of human-readable text.</summary>
    public bool JsonLogs { get; set; }

    /// <summary>Include prompt and reply text in the completion log line. Off by default: conversations are private.</summary>
    public bool LogContent { get; set; }

    /// <summary>Add llama-server style <c>timings</c> to every response.</summary>
    public bool ResponseTimings { get; set; } = true;

    /// <summary>OTLP collector address (e.g. http://otel-collector:4317); traces and metrics are exported there when set.</summary>
    public Uri? OtlpEndpoint { get; set; }
}
