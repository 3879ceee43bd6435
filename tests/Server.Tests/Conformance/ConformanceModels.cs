namespace HiPO.Server.Tests.Conformance;

/// <summary>
/// The scripted models the client conformance tests serve. Chat, think-mode forcing, logprobs and <c>n</c> use
/// <see cref="ScriptedModels.Demo"/>, which answers all three prompt endings (auto, forced on, forced off), exactly as
/// <c>--demo</c> does for someone running the same clients by hand.
/// </summary>
public static class ConformanceModels
{
    /// <summary>Decides on its own (tool_choice auto) to call <c>get_weather</c> for Paris, without reasoning.</summary>
    public static readonly ScriptedFixture ToolCaller = new(
        new ScriptedModelBuilder("conformance-tool-caller").Chain(after: "\n",
            "Weather", " needs", " a", " tool.\n", "</judge>", "\n\n", "<think_off>", "<answer>",
            "\n<tool_call>\n", "{\"name\": \"get_weather\", ", "\"arguments\": {\"city\": \"Paris\"}}", "\n</tool_call>\n", "</answer>", "<|im_end|>"),
        judge: "Weather needs a tool.", reasoning: null, answer: null);

    /// <summary>Reasons, then answers <c>{"city":"Paris","capital":true}</c>, which satisfies <see cref="CitySchema"/>.</summary>
    public static readonly ScriptedFixture CityJson = new(
        new ScriptedModelBuilder("conformance-city-json").Chain(after: "\n",
            "Needs", " a", " lookup.\n", "</judge>", "<think_on>", "<think>", "\nParis", " is", " the", " capital.\n", "</think>", "\n\n", "<answer>",
            "\n{\"city\":", "\"Paris\",", "\"capital\":", "true}", "</answer>", "<|im_end|>"),
        judge: "Needs a lookup.", reasoning: "Paris is the capital.", answer: """{"city":"Paris","capital":true}""");

    /// <summary>The schema <see cref="CityJson"/> answers, as an OpenAI <c>json_schema</c> body.</summary>
    public const string CitySchema = """
        {"type":"object","additionalProperties":false,"required":["city","capital"],
         "properties":{"city":{"type":"string"},"capital":{"type":"boolean"}}}
        """;
}
