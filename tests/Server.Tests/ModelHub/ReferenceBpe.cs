using System.Text.RegularExpressions;

namespace HiPO.Server.Tests.ModelHub;

/// <summary>
/// A small byte-level BPE tokenizer that works as Hugging Face tokenizers does for Qwen (added tokens
/// first, Qwen2's split, GPT-2's byte-to-unicode mapping, merges by rank). It trains real merges on a
/// corpus and is the independent reference that a converted GGUF's tokenization is checked against.
/// </summary>
internal sealed class ReferenceBpe
{
    public const string Qwen2Split =
        @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    private static readonly Regex Split = new(Qwen2Split, RegexOptions.CultureInvariant);
    private static readonly char[] ByteToChar = BuildByteTable();

    private readonly Dictionary<(string, string), int> _ranks = [];
    private readonly Dictionary<string, int> _vocab = new(StringComparer.Ordinal);
    private readonly List<(string Left, string Right)> _merges = [];
    private readonly Dictionary<string, int> _added = new(StringComparer.Ordinal);

    /// <summary>The BPE vocabulary (byte-level strings to ids), without the added tokens.</summary>
    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    public IReadOnlyList<(string Left, string Right)> Merges => _merges;

    /// <summary>Added tokens (raw text to id), numbered after the vocabulary as in Qwen.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens => _added;

    /// <summary>Trains up to <paramref name="mergeCount"/> merges on <paramref name="corpus"/>, then appends <paramref name="addedTokens"/>.</summary>
    public static ReferenceBpe Train(string corpus, int mergeCount, IEnumerable<string> addedTokens)
    {
        var bpe = new ReferenceBpe();
        for (int b = 0; b < 256; b++)
        {
            bpe._vocab[ByteToChar[b].ToString()] = b;
        }

        var words = Split.Matches(corpus)
            .GroupBy(m => ToByteLevel(m.Value))
            .Select(g => (Symbols: g.Key.Select(c => c.ToString()).ToList(), Count: g.Count()))
            .ToList();
        for (int merge = 0; merge < mergeCount; merge++)
        {
            var pairs = new Dictionary<(string, string), int>();
            foreach (var (symbols, count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
                }
            }

            if (pairs.Count == 0)
            {
                break;
            }

            var best = pairs.OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.Item1, StringComparer.Ordinal)
                .ThenBy(p => p.Key.Item2, StringComparer.Ordinal)
                .First().Key;
            bpe._ranks[best] = bpe._merges.Count;
            bpe._merges.Add(best);
            bpe._vocab.TryAdd(best.Item1 + best.Item2, bpe._vocab.Count);
            foreach (var (symbols, _) in words)
            {
                Apply(symbols, best);
            }
        }

        foreach (string token in addedTokens)
        {
            bpe._added[token] = bpe._vocab.Count + bpe._added.Count;
        }

        return bpe;
    }

    /// <summary>The ids Hugging Face's tokenizer gives <paramref name="text"/> (added tokens matched whole, as with special tokens allowed).</summary>
    public int[] Encode(string text)
    {
        var ids = new List<int>();
        int position = 0;
        while (position < text.Length)
        {
            var (at, token) = NextAddedToken(text, position);
            foreach (Match piece in Split.Matches(text[position..at]))
            {
                var symbols = ToByteLevel(piece.Value).Select(c => c.ToString()).ToList();
                while (symbols.Count > 1)
                {
                    var ranked = Enumerable.Range(0, symbols.Count - 1)
                        .Select(i => (Pair: (symbols[i], symbols[i + 1]), Rank: _ranks.GetValueOrDefault((symbols[i], symbols[i + 1]), int.MaxValue)))
                        .MinBy(p => p.Rank);
                    if (ranked.Rank == int.MaxValue)
                    {
                        break;
                    }

                    Apply(symbols, ranked.Pair);
                }

                ids.AddRange(symbols.Select(symbol => _vocab[symbol]));
            }

            if (token is not null)
            {
                ids.Add(_added[token]);
                at += token.Length;
            }

            position = at;
        }

        return [.. ids];
    }

    public static string ToByteLevel(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b => ByteToChar[b]));

    private (int At, string? Token) NextAddedToken(string text, int from)
    {
        (int At, string? Token) next = (text.Length, null);
        foreach (string token in _added.Keys)
        {
            int at = text.IndexOf(token, from, StringComparison.Ordinal);
            if (at >= 0 && (at < next.At || (at == next.At && token.Length > next.Token!.Length)))
            {
                next = (at, token);
            }
        }

        return next;
    }

    private static void Apply(List<string> symbols, (string Left, string Right) pair)
    {
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            if (symbols[i] == pair.Left && symbols[i + 1] == pair.Right)
            {
                symbols[i] = pair.Left + pair.Right;
                symbols.RemoveAt(i + 1);
            }
        }
    }

    // GPT-2's table: printable Latin-1 bytes stand for themselves, the rest map to U+0100 onwards.
    private static char[] BuildByteTable()
    {
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }
}
