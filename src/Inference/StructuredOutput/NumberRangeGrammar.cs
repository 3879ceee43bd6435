using System.Numerics;

namespace HiPO.Inference.StructuredOutput;

/// <summary>A bound from <c>minimum</c>/<c>exclusiveMinimum</c> or <c>maximum</c>/<c>exclusiveMaximum</c>.</summary>
internal readonly record struct NumberBound(decimal Value, bool Exclusive);

/// <summary>
/// GBNF for the JSON numbers inside a range, digit by digit (as llama.cpp's converter does for integers). Integers are
/// exact within the 16 digits the grammar writes; decimals are written without an exponent, with up to 16 fraction
/// digits, and only as values whose every spelling is inside the range (e.g. <c>[0.5, 2]</c> yields 1 to 1.99... and
/// 2, not 0.75), which keeps every generated number valid.
/// </summary>
internal static class NumberRangeGrammar
{
    /// <summary>The largest magnitude written: 16 digits, as the unconstrained number rules.</summary>
    public static readonly BigInteger Largest = BigInteger.Pow(10, 16) - 1;

    private const string Fraction = "\".\" [0-9]{1,16}";
    private const string NonZeroFraction = "\".\" [0-9]{0,15} [1-9]";

    /// <summary>Integers in [<paramref name="lo"/>, <paramref name="hi"/>] (null: unbounded); null when none.</summary>
    public static string? Integer(BigInteger? lo, BigInteger? hi)
    {
        var low = BigInteger.Max(lo ?? -Largest, -Largest);
        var high = BigInteger.Min(hi ?? Largest, Largest);
        var options = new List<string>();
        if (high >= 0 && BigInteger.Max(low, 0) <= high)
            options.Add(NonNegative(BigInteger.Max(low, 0), high));
        if (low < 0 && BigInteger.Max(1, -high) <= -low)
            options.Add("\"-\" " + NonNegative(BigInteger.Max(1, -high), -low));
        return Alternatives(options);
    }

    /// <summary>Integers for a schema's bounds: the nearest integers inside them.</summary>
    public static string? Integer(NumberBound? min, NumberBound? max) => Integer(
        min is { } m ? Floor(m.Value) + (m.Exclusive || !IsWhole(m.Value) ? 1 : 0) : null,
        max is { } x ? Ceiling(x.Value) - (x.Exclusive || !IsWhole(x.Value) ? 1 : 0) : null);

    /// <summary>Decimal numbers inside the bounds (see the summary for which); null when the grammar can write none.</summary>
    public static string? Number(NumberBound? min, NumberBound? max)
    {
        var options = new List<string>();
        // Non-negative "I.F" lies in [I, I+1): every fraction fits when I is above the minimum and I+1 is at most the maximum.
        var fractionFrom = min is { } m ? BigInteger.Max(0, m.Exclusive ? Floor(m.Value) + 1 : Ceiling(m.Value)) : 0;
        BigInteger? fractionTo = max is { } x ? Floor(x.Value) - 1 : null;
        if (Integer(fractionFrom, fractionTo) is { } whole)
            options.Add(whole + " " + Fraction);
        // At an exclusive integer minimum the fraction must not be zero.
        if (min is { Exclusive: true } em && em.Value >= 0 && IsWhole(em.Value) && (max is not { } mx || em.Value + 1 <= mx.Value))
            options.Add(Integer(Floor(em.Value), Floor(em.Value)) + " " + NonZeroFraction);

        // Negative "-I.F" lies in (-(I+1), -I].
        BigInteger? negativeTo = min is { } nm ? Floor(-nm.Value) - 1 : null;
        var negativeFrom = max is { } nx ? BigInteger.Max(0, nx.Exclusive ? Floor(-nx.Value) + 1 : Ceiling(-nx.Value)) : 0;
        if (Integer(negativeFrom, negativeTo) is { } negative)
            options.Add("\"-\" " + negative + " " + Fraction);
        if (max is { Exclusive: true } ex && ex.Value <= 0 && IsWhole(ex.Value) && (min is not { } mn || ex.Value - 1 >= mn.Value))
            options.Add("\"-\" " + Integer(-Floor(ex.Value), -Floor(ex.Value)) + " " + NonZeroFraction);

        if (Integer(min, max) is { } integers)
            options.Add(integers);
        return Alternatives(options);
    }

    private static string? Alternatives(List<string> options) => options.Count switch
    {
        0 => null,
        1 => options[0],
        _ => "(" + string.Join(" | ", options) + ")",
    };

    private static bool IsWhole(decimal value) => decimal.Floor(value) == value;

    private static BigInteger Floor(decimal value) => new(decimal.Floor(value));

    private static BigInteger Ceiling(decimal value) => new(decimal.Ceiling(value));

    /// <summary>Integers from <paramref name="lo"/> to <paramref name="hi"/> (0 &lt;= lo &lt;= hi), without leading zeros.</summary>
    private static string NonNegative(BigInteger lo, BigInteger hi)
    {
        var options = new List<string>();
        for (var digits = lo.ToString().Length; digits <= hi.ToString().Length; digits++)
        {
            var from = BigInteger.Max(lo, digits == 1 ? 0 : BigInteger.Pow(10, digits - 1));
            var to = BigInteger.Min(hi, BigInteger.Pow(10, digits) - 1);
            if (from <= to)
                options.Add(SameLength(from.ToString(), to.ToString()));
        }
        return Alternatives(options)!;
    }

    /// <summary>Digit strings of one length from <paramref name="lo"/> to <paramref name="hi"/>.</summary>
    private static string SameLength(string lo, string hi)
    {
        if (lo == hi)
            return $"\"{lo}\"";
        var i = 0;
        while (lo[i] == hi[i])
            i++;
        var prefix = i > 0 ? $"\"{lo[..i]}\" " : "";
        var rest = lo.Length - i - 1;
        string loTail = lo[(i + 1)..], hiTail = hi[(i + 1)..];
        if (loTail.All(c => c == '0') && hiTail.All(c => c == '9'))
            return prefix + Digit(lo[i], hi[i]) + AnyDigits(rest);
        var options = new List<string> { $"\"{lo[i]}\"{(rest > 0 ? " " + AtLeast(loTail) : "")}" };
        if (lo[i] + 1 <= hi[i] - 1)
            options.Add(Digit((char)(lo[i] + 1), (char)(hi[i] - 1)) + AnyDigits(rest));
        options.Add($"\"{hi[i]}\"{(rest > 0 ? " " + AtMost(hiTail) : "")}");
        return prefix + Alternatives(options);
    }

    /// <summary>Digit strings of <paramref name="lo"/>'s length that are at least <paramref name="lo"/>.</summary>
    private static string AtLeast(string lo)
    {
        if (lo.All(c => c == '0'))
            return AnyDigits(lo.Length).TrimStart();
        if (lo.Length == 1)
            return Digit(lo[0], '9');
        var options = new List<string> { $"\"{lo[0]}\" " + AtLeast(lo[1..]) };
        if (lo[0] < '9')
            options.Add(Digit((char)(lo[0] + 1), '9') + AnyDigits(lo.Length - 1));
        return Alternatives(options)!;
    }

    /// <summary>Digit strings of <paramref name="hi"/>'s length that are at most <paramref name="hi"/>.</summary>
    private static string AtMost(string hi)
    {
        if (hi.All(c => c == '9'))
            return AnyDigits(hi.Length).TrimStart();
        if (hi.Length == 1)
            return Digit('0', hi[0]);
        var options = new List<string> { $"\"{hi[0]}\" " + AtMost(hi[1..]) };
        if (hi[0] > '0')
            options.Add(Digit('0', (char)(hi[0] - 1)) + AnyDigits(hi.Length - 1));
        return Alternatives(options)!;
    }

    private static string Digit(char lo, char hi) => lo == hi ? $"\"{lo}\"" : $"[{lo}-{hi}]";

    private static string AnyDigits(int count) => count switch
    {
        0 => "",
        1 => " [0-9]",
        _ => $" [0-9]{{{count}}}",
    };
}
