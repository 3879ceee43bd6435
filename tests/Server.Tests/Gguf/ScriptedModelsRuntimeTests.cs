using LLama;
using LLama.Native;

namespace HiPO.Server.Tests.Gguf;

/// <summary>The fixtures run through the real llama.cpp runtime produce exactly their scripts.</summary>
public sealed class ScriptedModelsRuntimeTests : GgufFileTests
{
    public static TheoryData<string, float> FixturesAndTemperatures()
    {
        var data = new TheoryData<string, float>();
        foreach (string name in new[] { "ThinkOn", "ThinkOff", "MultiByte", "Malformed", "Demo" })
        {
            foreach (float temperature in new[] { 0f, 0.6f, 2f })
            {
                data.Add(name, temperature);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FixturesAndTemperatures))]
    public async Task Fixture_generates_exactly_its_script(string name, float temperature)
    {
        ScriptedFixture fixture = Fixture(name);
        string path = FilePath(name + ".gguf");
        fixture.Write(path);

        Generation generation = await LlamaRuntime.GenerateAsync(path, LlamaRuntime.DefaultPrompt("What is 17 × 23?"), temperature, maxTokens: 500);

        Assert.Equal(fixture.Reply.Text, generation.Text);
        Assert.Equal(fixture.Reply.TokenCount, generation.TokenCount);
        Assert.True(generation.EndedByModel);
    }

    [Fact]
    public async Task Endless_fixture_generates_until_the_token_limit()
    {
        string path = FilePath("endless.gguf");
        ScriptedModels.Endless.Write(path);

        Generation generation = await LlamaRuntime.GenerateAsync(path, LlamaRuntime.DefaultPrompt("Go on."), 0.6f, maxTokens: 60);

        Assert.False(generation.EndedByModel);
        Assert.Equal(60, generation.TokenCount);
        Assert.Equal(ScriptedModels.Endless.Reply.TextOfFirst(60), generation.Text);
    }

    [Fact]
    public async Task Concurrent_conversations_each_follow_their_own_chain()
    {
        string path = FilePath("demo.gguf");
        ScriptedFixture demo = ScriptedModels.Demo;
        demo.Write(path);
        using LLamaWeights weights = LlamaRuntime.Load(path);
        string[] prompts =
        [
            LlamaRuntime.DefaultPrompt("Hi"),
            LlamaRuntime.ForcedOffPrompt("Hi"),
            LlamaRuntime.ForcedOnPrompt("Hi"),
            LlamaRuntime.DefaultPrompt("A longer question that makes this prompt longer than the others."),
        ];

        IReadOnlyList<Generation> generations = await LlamaRuntime.GenerateAsync(weights, prompts, 0.6f, maxTokens: 500);

        Assert.Equal(demo.Reply.Text, generations[0].Text);
        Assert.Equal(demo.ReplyAfter("<answer>").Text, generations[1].Text);
        Assert.Equal(demo.ReplyAfter("<think>").Text, generations[2].Text);
        Assert.Equal(demo.Reply.Text, generations[3].Text);
        Assert.All(generations, g => Assert.True(g.EndedByModel));
    }

    [Fact]
    public void The_default_prompt_ends_on_the_newline_byte_and_tags_are_single_tokens()
    {
        string path = FilePath("think-on.gguf");
        ScriptedModels.ThinkOn.Write(path);
        using LLamaWeights weights = LlamaRuntime.Load(path);

        LLamaToken[] prompt = weights.Tokenize(LlamaRuntime.DefaultPrompt("Hi"), add_bos: false, special: true, System.Text.Encoding.UTF8);
        LLamaToken[] newline = weights.Tokenize("\n", add_bos: false, special: false, System.Text.Encoding.UTF8);

        Assert.Equal((LLamaToken)'\n', Assert.Single(newline));
        Assert.Equal(newline[0], prompt[^1]);
        foreach (string tag in new[] { "<judge>", "</judge>", "<think_on>", "<think_off>", "<think>", "</think>", "<answer>", "</answer>" })
        {
            Assert.Single(weights.Tokenize(tag, add_bos: false, special: false, System.Text.Encoding.UTF8));
        }

        Assert.Single(weights.Tokenize("<|im_end|>", add_bos: false, special: true, System.Text.Encoding.UTF8));
        Assert.Equal(weights.Vocab.EOS, weights.Tokenize("<|im_end|>", add_bos: false, special: true, System.Text.Encoding.UTF8)[0]);
        Assert.Equal("scripted-think-on", weights.Metadata["general.name"]);
    }

    private static ScriptedFixture Fixture(string name) => name switch
    {
        "ThinkOn" => ScriptedModels.ThinkOn,
        "ThinkOff" => ScriptedModels.ThinkOff,
        "MultiByte" => ScriptedModels.MultiByte,
        "Malformed" => ScriptedModels.Malformed,
        "Demo" => ScriptedModels.Demo,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
