using System.Text;
using HiPO.Inference.Prompting;

namespace HiPO.Bench.Prompts;

/// <summary>
/// Deterministic conversations of random lowercase words, sized in tokens of the model's own tokenizer
/// (the generated vocabularies have no merges, so a byte is a token: about four times what HiPO's real
/// tokenizer makes of English). The raw engine and the server get the same conversation for the same key.
/// Every conversation starts with its own words, so no request finds another's prompt in the server's
/// prefix cache: phases (a) and (b) prefill every prompt in full.
/// </summary>
public sealed class PromptFactory(Func<IReadOnlyList<ChatTurn>, int> countTokens, int seed)
{
    private const int SystemWords = 6;

    /// <summary>
    /// The key of request <paramref name="index"/> in wave <paramref name="wave"/> at <paramref name="parallel"/> sequences or
    /// streams of one <paramref name="side"/> (the engine or a kind of request): no side meets another's prompt in the prefix cache.
    /// </summary>
    public static string Key(string side, int parallel, int wave, int index) => $"{side}/{parallel}/{wave}/{index}";

    /// <summary>A system turn and a user turn that render to about <paramref name="tokens"/> prompt tokens (never fewer).</summary>
    public IReadOnlyList<ChatTurn> Conversation(string key, int tokens)
    {
        var random = new Random(seed ^ StableHash(key));
        var system = new ChatTurn(ChatRole.System, Sentence(random, SystemWords));
        // Word counts are monotonic in tokens, so a binary search finds the shortest user turn that is long enough.
        var words = Words(random, tokens).ToArray();
        int low = 0, high = words.Length;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (countTokens([system, User(words, middle)]) >= tokens)
                high = middle;
            else
                low = middle + 1;
        }
        return [system, User(words, low)];
    }

    private static ChatTurn User(string[] words, int count) => new(ChatRole.User, string.Join(' ', words, 0, count));

    /// <summary>More words than <paramref name="tokens"/> tokens can hold: every word is at least one token.</summary>
    private static IEnumerable<string> Words(Random random, int tokens)
    {
        for (var i = 0; i < tokens; i++)
            yield return Word(random);
    }

    private static string Sentence(Random random, int words) =>
        string.Join(' ', Enumerable.Range(0, words).Select(_ => Word(random))) + ".";

    private static string Word(Random random)
    {
        var word = new StringBuilder();
        for (var length = random.Next(2, 9); word.Length < length;)
            word.Append((char)('a' + random.Next(26)));
        return word.ToString();
    }

    /// <summary>FNV-1a: unlike <see cref="string.GetHashCode()"/>, the same in every process.</summary>
    private static int StableHash(string key)
    {
        var hash = 2166136261;
        foreach (var c in key)
            hash = (hash ^ c) * 16777619;
        return unchecked((int)hash);
    }
}
