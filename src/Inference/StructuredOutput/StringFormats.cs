namespace HiPO.Inference.StructuredOutput;

/// <summary>
/// The JSON Schema <c>format</c>s a grammar can produce, each as a pattern for a plain, common spelling of that format:
/// every value is valid under the standard's definition and under the patterns generators such as zod emit beside it
/// (a version 4 UUID in lower case, a UTC date-time, an https URL). Only some of the valid spellings are generated.
/// </summary>
internal static class StringFormats
{
    private const string Date = @"[1-9]\d{3}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|02-(?:0[1-9]|1\d|2[0-8]))";
    private const string Time = @"(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z";
    private const string Label = "[a-z0-9]{1,32}";

    private static readonly Dictionary<string, string> Patterns = new(StringComparer.Ordinal)
    {
        ["date"] = $"^{Date}$",
        ["time"] = $"^{Time}$",
        ["date-time"] = $"^{Date}T{Time}$",
        ["uuid"] = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
        ["email"] = $@"^{Label}(?:\.{Label})?@{Label}(?:\.{Label})?\.[a-z]{{2,8}}$",
        ["uri"] = $@"^https://{Label}(?:\.{Label}){{0,3}}\.[a-z]{{2,8}}(?:/[A-Za-z0-9._~-]{{1,32}}){{0,8}}$",
        ["uri-reference"] = $@"^https://{Label}(?:\.{Label}){{0,3}}\.[a-z]{{2,8}}(?:/[A-Za-z0-9._~-]{{1,32}}){{0,8}}$",
        ["hostname"] = $@"^{Label}(?:\.{Label}){{0,4}}$",
        ["ipv4"] = @"^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$",
    };

    /// <summary>Formats that only annotate numbers (OpenAPI's); their ranges come from minimum and maximum.</summary>
    public static readonly HashSet<string> NumberAnnotations = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float", "double", "decimal"];

    public static IEnumerable<string> Names => Patterns.Keys;

    public static string? PatternOf(string format) => Patterns.GetValueOrDefault(format);
}
