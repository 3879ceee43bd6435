namespace HiPO.Server.Tests.Gguf;

public sealed class ScriptedModelBuilderTests : GgufFileTests
{
    [Fact]
    public void A_second_successor_for_a_token_is_rejected()
    {
        var builder = new ScriptedModelBuilder("conflict").Chain(after: "\n", "Hello", " world", "<|im_end|>");

        var error = Assert.Throws<ArgumentException>(() => builder.Chain(after: "<answer>", "Bye", " world", "!!", "<|im_end|>"));

        Assert.Contains("\" world\" already continues with \"<|im_end|>\"", error.Message);
        Assert.Contains("\"!!\"", error.Message);
        Assert.Throws<InvalidOperationException>(() => builder.ReplyAfter("<answer>"));
    }

    [Fact]
    public void A_token_repeated_within_one_chain_with_another_successor_is_rejected()
    {
        var builder = new ScriptedModelBuilder("conflict");

        Assert.Throws<ArgumentException>(() => builder.Chain(after: "\n", " the", " cat", " saw", " the", " dog", "<|im_end|>"));
    }

    [Fact]
    public void Chains_may_share_a_tail()
    {
        var builder = new ScriptedModelBuilder("shared")
            .Chain(after: "\n", "Judge.\n", "</judge>", "<think_off>", "<answer>", "\nShared", " tail.\n", "</answer>", "<|im_end|>")
            .Chain(after: "<answer>", "\nShared", " tail.\n", "</answer>", "<|im_end|>");

        Assert.Equal("Judge.\n</judge><think_off><answer>\nShared tail.\n</answer>", builder.ReplyAfter("\n").Text);
        Assert.Equal("\nShared tail.\n</answer>", builder.ReplyAfter("<answer>").Text);
        Assert.Equal(4, builder.ReplyAfter("<answer>").TokenCount);
    }

    [Fact]
    public void A_single_byte_of_text_is_the_byte_token()
    {
        var builder = new ScriptedModelBuilder("bytes").Chain(after: "\n", "a", "<|im_end|>");

        Assert.Throws<ArgumentException>(() => builder.Chain(after: "<think>", ScriptPiece.Byte((byte)'a'), "<|endoftext|>"));
        Assert.Throws<ArgumentException>(() => builder.Chain(after: ScriptPiece.Byte((byte)'\n'), "b"));
    }

    [Fact]
    public void Byte_pieces_split_a_character_and_a_partial_character_is_held_back()
    {
        var builder = new ScriptedModelBuilder("emoji")
            .Chain(after: "\n", ["Smile: ", .. ScriptPiece.BytesOf("😀"), "<|im_end|>"]);
        ScriptedReply reply = builder.ReplyAfter("\n");

        Assert.Equal(6, reply.TokenCount);
        Assert.Equal("Smile: 😀", reply.Text);
        Assert.Equal("Smile: ", reply.TextOfFirst(4));
        Assert.Equal("Smile: 😀", reply.TextOfFirst(5));
    }

    [Fact]
    public void A_loop_gives_a_reply_that_never_ends()
    {
        var builder = new ScriptedModelBuilder("loop")
            .Chain(after: "\n", "Start", "<answer>")
            .Loop(after: "<answer>", " a", " b", " c");
        ScriptedReply reply = builder.ReplyAfter("\n");

        Assert.True(reply.IsEndless);
        Assert.Equal("Start<answer> a b c a b", reply.TextOfFirst(7));
        Assert.Throws<InvalidOperationException>(() => reply.Text);
        Assert.Throws<InvalidOperationException>(() => reply.TokenCount);
    }

    [Fact]
    public void A_script_that_stops_without_ending_generation_has_no_defined_reply()
    {
        var builder = new ScriptedModelBuilder("dangling").Chain(after: "\n", "Never", " finished");

        var error = Assert.Throws<InvalidOperationException>(() => builder.ReplyAfter("\n"));

        Assert.Contains("\" finished\"", error.Message);
        Assert.Throws<InvalidOperationException>(() => builder.ReplyAfter("<think>"));
    }

    [Fact]
    public void The_written_model_has_a_small_qwen_vocabulary_and_a_wide_enough_embedding()
    {
        var builder = new ScriptedModelBuilder("layout").Chain(after: "\n", "Word", " token", "<|im_end|>");
        string path = FilePath("layout.gguf");

        builder.Write(path);

        GgufFile file = GgufReader.Read(path);
        var metadata = file.Metadata;
        string[] tokens = (string[])metadata["tokenizer.ggml.tokens"];
        int[] types = (int[])metadata["tokenizer.ggml.token_type"];
        Assert.Equal(256 + 3 + 8 + 2, tokens.Length);
        Assert.Equal(tokens.Length, tokens.Distinct().Count());
        Assert.Equal("Ċ", tokens['\n']);
        Assert.Equal("Ġ", tokens[' ']);
        Assert.Contains("Ġtoken", tokens);
        Assert.Equal(3, types[Array.IndexOf(tokens, "<|im_end|>")]);
        Assert.Equal(4, types[Array.IndexOf(tokens, "<think>")]);
        Assert.Equal((uint)Array.IndexOf(tokens, "<|im_end|>"), metadata["tokenizer.ggml.eos_token_id"]);
        Assert.Equal("gpt2", metadata["tokenizer.ggml.model"]);
        Assert.Empty((string[])metadata["tokenizer.ggml.merges"]);
        uint width = (uint)metadata["qwen3.embedding_length"];
        Assert.True(width >= tokens.Length && width % 128 == 0, $"width {width}");
        Assert.Contains(file.Tensors, t => t.Name == "output.weight");
        Assert.True(new FileInfo(path).Length < 8 << 20);
    }
}
