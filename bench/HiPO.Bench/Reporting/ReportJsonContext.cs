using System.Text.Json.Serialization;

namespace HiPO.Bench.Reporting;

/// <summary>Source-generated JSON for the report, in the snake_case of the server's wire types.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, UseStringEnumConverter = true)]
[JsonSerializable(typeof(BenchmarkReport))]
public sealed partial class ReportJsonContext : JsonSerializerContext;
