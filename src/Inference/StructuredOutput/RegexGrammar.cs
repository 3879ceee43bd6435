using System.Globalization;

namespace HiPO.Inference.StructuredOutput;

/// <summary>The GBNF for the inside of a JSON string (between its quotes) and the lengths its decoded values can have.</summary>
/// <param name="MaxLength">Null when unbounded.</param>
internal sealed record StringLanguage(string Body, int MinLength, int? MaxLength);

/// <summary>
/// Compiles a JSON Schema <c>pattern</c> (ECMA-262 syntax) into GBNF for the JSON text of the strings it matches, the
/// subset llama.cpp's json-schema-to-grammar understands: literals, <c>.</c>, classes with ranges and negation, the
/// escapes <c>\d \w \s \D \W \S</c> and character escapes, groups (<c>(...)</c>, <c>(?:...)</c>, <c>(?&lt;name&gt;...)</c>),
/// alternation and the quantifiers <c>* + ? {n} {n,} {n,m}</c> (lazy ones too). An unanchored pattern matches anywhere
/// in the string, as the standard says. Lookarounds, backreferences, word boundaries and Unicode classes are refused.
/// </summary>
/// <remarks>
/// The grammar writes each character as compact JSON does: <c>"</c> and <c>\</c> escaped, control characters that have a
/// short escape (<c>\n \t \r \b \f</c>) escaped, other control characters never generated. Every string the grammar
/// accepts therefore decodes to a string the pattern matches.
/// </remarks>
internal sealed class RegexGrammar
{
    private const int MaxCodePoint = 0x10FFFF;

    // The parser and the emitter recurse per group; a bound keeps a hostile pattern from exhausting the stack.
    private const int MaxGroupDepth = 32;

    private abstract record Node;

    private sealed record CharSet(List<(int Lo, int Hi)> Ranges) : Node;

    private sealed record Sequence(List<Node> Items) : Node;

    private sealed record Alternation(List<Node> Options) : Node;

    private sealed record Repeat(Node Item, int Min, int? Max) : Node;

    private readonly int[] _pattern;
    private readonly string _path;
    private readonly Func<string, string> _define;
    private int _at;
    private int _groupDepth;

    private RegexGrammar(string pattern, string path, Func<string, string> define)
    {
        _pattern = [.. pattern.EnumerateRunes().Select(r => r.Value)];
        _path = path;
        _define = define;
    }

    /// <summary>
    /// Compiles <paramref name="pattern"/>. When <paramref name="minLength"/>/<paramref name="maxLength"/> are given and
    /// the pattern's only variable part is one repeated character class (<c>^[A-Z]+$</c>, <c>^id-\d*$</c>), that
    /// repetition is narrowed to meet them; the caller checks the lengths of what comes back.
    /// </summary>
    /// <param name="define">Adds a grammar rule and returns its name.</param>
    public static StringLanguage Compile(string pattern, string path, Func<string, string> define, int minLength = 0, int? maxLength = null)
    {
        var parser = new RegexGrammar(pattern, path, define);
        var node = parser.ParsePattern();
        var (min, max) = Lengths(node);
        if ((min < minLength || max is null || max > maxLength) && Narrow(node, minLength, maxLength) is { } narrowed)
        {
            node = narrowed;
            (min, max) = Lengths(node);
        }
        return new StringLanguage(parser.Emit(node), min, max);
    }

    private static Node? Narrow(Node node, int minLength, int? maxLength)
    {
        var items = Flatten(node).ToList();
        var variable = items.Where(i => Lengths(i) is var (lo, hi) && lo != hi).ToList();
        if (variable is not [Repeat { Item: CharSet } repeat])
            return null;
        var fixedLength = items.Where(i => i != repeat).Sum(i => Lengths(i).Min);
        var low = Math.Max(repeat.Min, minLength - fixedLength);
        var high = maxLength is { } m ? Math.Min(repeat.Max ?? int.MaxValue, m - fixedLength) : repeat.Max;
        if (high < low || low > JsonSchemaGrammar.MaxRepetitions)
            return null;
        return new Sequence([.. items.Select(i => i == repeat ? new Repeat(repeat.Item, low, JsonSchemaGrammar.CapRepetitions(high)) : i)]);
    }

    private static IEnumerable<Node> Flatten(Node node) => node is Sequence s ? s.Items.SelectMany(Flatten) : [node];

    private Node ParsePattern()
    {
        var anchoredStart = Peek() == '^';
        if (anchoredStart)
            _at++;
        var anchoredEnd = _pattern.Length > _at && _pattern[^1] == '$' && !EscapedAt(_pattern.Length - 1);
        var end = anchoredEnd ? _pattern.Length - 1 : _pattern.Length;
        var body = ParseAlternation(end);
        if (_at != end)
            throw Refuse($"unexpected '{char.ConvertFromUtf32(_pattern[_at])}' at offset {_at}");
        // An unanchored pattern is a search: anything may come before and after the match.
        var anything = new Repeat(AnyChar(), 0, null);
        return new Sequence([.. anchoredStart ? [] : new[] { anything }, body, .. anchoredEnd ? [] : new[] { anything }]);
    }

    private bool EscapedAt(int index)
    {
        var backslashes = 0;
        for (var i = index - 1; i >= 0 && _pattern[i] == '\\'; i--)
            backslashes++;
        return backslashes % 2 == 1;
    }

    private Node ParseAlternation(int end)
    {
        var options = new List<Node> { ParseSequence(end) };
        while (_at < end && _pattern[_at] == '|')
        {
            _at++;
            options.Add(ParseSequence(end));
        }
        return options.Count == 1 ? options[0] : new Alternation(options);
    }

    private Node ParseSequence(int end)
    {
        var items = new List<Node>();
        while (_at < end && _pattern[_at] is not ('|' or ')'))
            items.Add(ParseQuantifier(ParseAtom(end), end));
        return items.Count == 1 ? items[0] : new Sequence(items);
    }

    private Node ParseAtom(int end)
    {
        var c = _pattern[_at++];
        switch (c)
        {
            case '(':
                if (++_groupDepth > MaxGroupDepth)
                    throw Refuse($"groups nest deeper than {MaxGroupDepth}");
                if (Peek() == '?')
                {
                    if (Peek(1) == ':')
                        _at += 2;
                    else if (Peek(1) == '<' && Peek(2) is not ('=' or '!'))
                        _at = Array.IndexOf(_pattern, '>', _at) + 1;
                    else
                        throw Refuse("lookarounds and inline flags are not supported");
                }
                var inner = ParseAlternation(end);
                if (_at >= end || _pattern[_at] != ')')
                    throw Refuse("a group is not closed");
                _at++;
                _groupDepth--;
                return inner;
            case '[':
                return ParseClass(end);
            case '.':
                return AnyChar();
            case '\\':
                return ParseEscape(inClass: false);
            case '^' or '$':
                throw Refuse($"'{(char)c}' is only supported at the start and end of the pattern");
            case '*' or '+' or '?' or '{' or ')':
                throw Refuse($"'{(char)c}' at offset {_at - 1} has nothing to repeat");
            default:
                return Single(c);
        }
    }

    private Node ParseQuantifier(Node item, int end)
    {
        if (_at >= end)
            return item;
        int min;
        int? max;
        switch (_pattern[_at])
        {
            case '*':
                (min, max) = (0, null);
                _at++;
                break;
            case '+':
                (min, max) = (1, null);
                _at++;
                break;
            case '?':
                (min, max) = (0, 1);
                _at++;
                break;
            case '{' when ReadBraces(end) is { } braces:
                (min, max) = braces;
                break;
            default:
                return item;
        }
        if (_at < end && _pattern[_at] == '?')
            _at++;
        if (min > JsonSchemaGrammar.MaxRepetitions)
            throw Refuse($"a repetition of at least {min} exceeds the limit of {JsonSchemaGrammar.MaxRepetitions}");
        // A shorter upper bound keeps the language a subset of the pattern's, and within what llama.cpp accepts.
        return new Repeat(item, min, JsonSchemaGrammar.CapRepetitions(max));
    }

    /// <summary><c>{n}</c>, <c>{n,}</c> or <c>{n,m}</c>; null (and nothing consumed) when the brace is a literal.</summary>
    private (int, int?)? ReadBraces(int end)
    {
        var close = Array.IndexOf(_pattern, '}', _at, end - _at);
        if (close < 0)
            return null;
        var text = string.Concat(_pattern[(_at + 1)..close].Select(char.ConvertFromUtf32));
        var parts = text.Split(',');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts.All(p => p.All(char.IsAsciiDigit)))
            return null;
        if (parts.Any(p => p.Length > 9))
            throw Refuse($"the repetition {{{text}}} exceeds the limit of {JsonSchemaGrammar.MaxRepetitions}");
        var min = int.Parse(parts[0], CultureInfo.InvariantCulture);
        int? max = min;
        if (parts.Length == 2)
        {
            if (parts[1].Length == 0)
                max = null;
            else if (int.Parse(parts[1], CultureInfo.InvariantCulture) is var m && m >= min)
                max = m;
            else
                throw Refuse($"the repetition {{{text}}} has its bounds out of order");
        }
        _at = close + 1;
        return (min, max);
    }

    private CharSet ParseClass(int end)
    {
        var negated = Peek() == '^';
        if (negated)
            _at++;
        var ranges = new List<(int, int)>();
        var first = true;
        while (true)
        {
            if (_at >= end)
                throw Refuse("a character class is not closed");
            var c = _pattern[_at];
            if (c == ']' && !first)
            {
                _at++;
                break;
            }
            first = false;
            _at++;
            List<(int Lo, int Hi)> item = c == '\\' ? ParseEscape(inClass: true).Ranges : [(c, c)];
            if (item.Count == 1 && item[0].Lo == item[0].Hi && Peek() == '-' && Peek(1) is { } next && next != ']')
            {
                _at++;
                var hiChar = _pattern[_at++];
                var hi = hiChar == '\\' ? ParseEscape(inClass: true).Ranges : [(hiChar, hiChar)];
                if (hi.Count != 1 || hi[0].Lo != hi[0].Hi || hi[0].Lo < item[0].Lo)
                    throw Refuse("a character class range is invalid");
                item = [(item[0].Lo, hi[0].Lo)];
            }
            ranges.AddRange(item);
        }
        return new CharSet(negated ? Complement(ranges) : Normalize(ranges));
    }

    private CharSet ParseEscape(bool inClass)
    {
        if (_at >= _pattern.Length)
            throw Refuse("the pattern ends with a backslash");
        var c = _pattern[_at++];
        List<(int, int)> digits = [('0', '9')];
        List<(int, int)> word = [('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
        List<(int, int)> space = [('\t', '\r'), (' ', ' '), (0xA0, 0xA0), (0x2028, 0x2029), (0xFEFF, 0xFEFF)];
        return c switch
        {
            'd' => new CharSet(digits),
            'D' => new CharSet(Complement(digits)),
            'w' => new CharSet(word),
            'W' => new CharSet(Complement(word)),
            's' => new CharSet(Normalize(space)),
            'S' => new CharSet(Complement(space)),
            't' => Single('\t'),
            'n' => Single('\n'),
            'r' => Single('\r'),
            'f' => Single('\f'),
            'v' => Single('\v'),
            '0' => Single(0),
            'b' when inClass => Single('\b'),
            'x' => Single(ReadHex(2)),
            'u' when Peek() == '{' => Single(ReadBracedHex()),
            'u' => Single(ReadHex(4)),
            'b' or 'B' => throw Refuse("word boundaries (\\b, \\B) are not supported"),
            'p' or 'P' => throw Refuse("Unicode property classes (\\p, \\P) are not supported"),
            >= '1' and <= '9' or 'k' => throw Refuse("backreferences are not supported"),
            _ when c < 128 && char.IsLetterOrDigit((char)c) => throw Refuse($"the escape \\{(char)c} is not supported"),
            _ => Single(c),
        };
    }

    private int ReadHex(int count)
    {
        if (_at + count > _pattern.Length)
            throw Refuse("a hexadecimal escape is cut short");
        var text = string.Concat(_pattern[_at..(_at + count)].Select(char.ConvertFromUtf32));
        if (!int.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw Refuse($"'{text}' is not hexadecimal");
        _at += count;
        return value;
    }

    private int ReadBracedHex()
    {
        var close = Array.IndexOf(_pattern, '}', _at);
        if (close < 0)
            throw Refuse("a \\u{...} escape is not closed");
        _at++;
        var value = ReadHex(close - _at);
        _at++;
        return value <= MaxCodePoint ? value : throw Refuse("a \\u{...} escape is beyond Unicode");
    }

    private int? Peek(int ahead = 0) => _at + ahead < _pattern.Length ? _pattern[_at + ahead] : null;

    private UnsupportedSchemaException Refuse(string why) =>
        new($"{_path}.pattern", $"JSON schema keyword 'pattern' (at {_path}): {why}.");

    private static CharSet Single(int c) => new([(c, c)]);

    /// <summary>Any character but a line break, as ECMA-262's <c>.</c>.</summary>
    private static CharSet AnyChar() => new(Complement([('\n', '\n'), ('\r', '\r'), (0x2028, 0x2029)]));

    private static List<(int Lo, int Hi)> Normalize(List<(int Lo, int Hi)> ranges)
    {
        var merged = new List<(int Lo, int Hi)>();
        foreach (var (lo, hi) in ranges.OrderBy(r => r.Lo))
        {
            if (merged.Count > 0 && lo <= merged[^1].Hi + 1)
                merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, hi));
            else
                merged.Add((lo, hi));
        }
        return merged;
    }

    private static List<(int Lo, int Hi)> Complement(List<(int Lo, int Hi)> ranges)
    {
        var result = new List<(int, int)>();
        var next = 0;
        foreach (var (lo, hi) in Normalize(ranges))
        {
            if (lo > next)
                result.Add((next, lo - 1));
            next = Math.Max(next, hi + 1);
        }
        if (next <= MaxCodePoint)
            result.Add((next, MaxCodePoint));
        return result;
    }

    /// <summary>The shortest and longest string lengths (null: unbounded), saturating at <see cref="int.MaxValue"/>.</summary>
    private static (int Min, int? Max) Lengths(Node node)
    {
        static int Cap(long value) => (int)Math.Min(value, int.MaxValue);
        switch (node)
        {
            case CharSet:
                return (1, 1);
            case Sequence s:
                var parts = s.Items.Select(Lengths).ToList();
                return (Cap(parts.Sum(p => (long)p.Min)), parts.All(p => p.Max is not null) ? Cap(parts.Sum(p => (long)p.Max!.Value)) : null);
            case Alternation a:
                var options = a.Options.Select(Lengths).ToList();
                return (options.Min(p => p.Min), options.All(p => p.Max is not null) ? options.Max(p => p.Max!.Value) : null);
            case Repeat r:
                var (min, max) = Lengths(r.Item);
                return (Cap((long)min * r.Min), r.Max is { } m && max is { } x ? Cap((long)x * m) : max == 0 ? 0 : null);
            default:
                throw new InvalidOperationException();
        }
    }

    private string Emit(Node node) => node switch
    {
        CharSet c => JsonChars(c.Ranges),
        Sequence s when s.Items.Count == 0 => "\"\"",
        Sequence s => string.Join(" ", s.Items.Select(Emit)),
        Alternation a => "(" + string.Join(" | ", a.Options.Select(Emit)) + ")",
        // A repeated item is a single rule or character class: llama.cpp multiplies the rules inside a repeated
        // group by the repetition count and refuses the grammar when that reaches its threshold.
        Repeat { Item: CharSet } r => "(" + Emit(r.Item) + ")" + Quantifier(r.Min, r.Max),
        Repeat r => _define(Emit(r.Item)) + Quantifier(r.Min, r.Max),
        _ => throw new InvalidOperationException(),
    };

    private static string Quantifier(int min, int? max) => (min, max) switch
    {
        (0, null) => "*",
        (1, null) => "+",
        (0, 1) => "?",
        (_, null) => $"{{{min},}}",
        _ when min == max => $"{{{min}}}",
        _ => $"{{{min},{max}}}",
    };

    /// <summary>The characters of <paramref name="ranges"/> as they appear inside a compact JSON string.</summary>
    private string JsonChars(List<(int Lo, int Hi)> ranges)
    {
        var plain = new List<(int Lo, int Hi)>();
        var escaped = new List<string>();
        foreach (var (lo, hi) in ranges)
        {
            // Surrogate code points cannot be written in UTF-8; '"' and '\' need escapes; control characters too.
            foreach (var (l, h) in Subtract((lo, hi), [(0, 0x1F), ('"', '"'), ('\\', '\\'), (0xD800, 0xDFFF)]))
                plain.Add((l, h));
            foreach (var (c, escape) in ShortEscapes)
                if (c >= lo && c <= hi)
                    escaped.Add(escape);
        }
        var options = new List<string>();
        if (plain.Count > 0)
            options.Add("[" + string.Concat(plain.Select(r => r.Lo == r.Hi ? ClassChar(r.Lo) : ClassChar(r.Lo) + "-" + ClassChar(r.Hi))) + "]");
        options.AddRange(escaped);
        return options.Count switch
        {
            0 => throw Refuse("it matches characters that JSON text cannot hold unescaped, and no others"),
            1 => options[0],
            _ => "(" + string.Join(" | ", options) + ")",
        };
    }

    private static readonly (int Char, string Escape)[] ShortEscapes =
    [
        ('"', "\"\\\\\\\"\""), ('\\', "\"\\\\\\\\\""), ('\b', "\"\\\\b\""), ('\t', "\"\\\\t\""), ('\n', "\"\\\\n\""), ('\f', "\"\\\\f\""), ('\r', "\"\\\\r\""),
    ];

    private static IEnumerable<(int Lo, int Hi)> Subtract((int Lo, int Hi) range, (int Lo, int Hi)[] holes)
    {
        var next = range.Lo;
        foreach (var (lo, hi) in holes.OrderBy(h => h.Lo))
        {
            if (hi < next || lo > range.Hi)
                continue;
            if (lo > next)
                yield return (next, lo - 1);
            next = Math.Max(next, hi + 1);
        }
        if (next <= range.Hi)
            yield return (next, range.Hi);
    }

    private static string ClassChar(int c) =>
        c < 128 && char.IsAsciiLetterOrDigit((char)c) ? ((char)c).ToString()
        : c <= 0xFFFF ? "\\u" + c.ToString("X4", CultureInfo.InvariantCulture)
        : "\\U" + c.ToString("X8", CultureInfo.InvariantCulture);
}
