using System.Globalization;

namespace HiPO.ModelHub.Progress;

/// <summary>The steps of getting a model, in the order they run.</summary>
public enum ModelStage
{
    Download,
    Convert,
    Quantize,
}

/// <summary>
/// How far one step has got: <paramref name="Done"/> of <paramref name="Total"/> bytes
/// (<paramref name="Total"/> is 0 when it is not known in advance, as for llama.cpp's quantizer).
/// </summary>
/// <param name="Item">What is being worked on, e.g. a file name.</param>
/// <param name="BytesPerSecond">The rate over this run of the step (bytes resumed from an earlier run do not count).</param>
/// <param name="Elapsed">Time spent on the step in this run.</param>
public readonly record struct ModelProgress(ModelStage Stage, string Item, long Done, long Total, double BytesPerSecond, TimeSpan Elapsed)
{
    public bool IsComplete => Total > 0 && Done >= Total;

    public double? Fraction => Total > 0 ? Math.Min(1, (double)Done / Total) : null;

    public TimeSpan? Remaining => Total > 0 && BytesPerSecond > 0
        ? TimeSpan.FromSeconds(Math.Max(0, Total - Done) / BytesPerSecond)
        : null;

    /// <summary>E.g. <c>412.3 MiB / 3.2 GiB (12.7%), 45.1 MiB/s, ETA 1:03</c>.</summary>
    public override string ToString()
    {
        string amount = Total > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{FormatBytes(Done)} / {FormatBytes(Total)} ({Fraction:P1})")
            : FormatBytes(Done);
        string eta = Remaining is { } remaining ? ", ETA " + FormatDuration(remaining) : "";
        return $"{amount}, {FormatBytes((long)BytesPerSecond)}/s{eta}, {FormatDuration(Elapsed)} elapsed";
    }

    public static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    public static string FormatDuration(TimeSpan duration) => duration.TotalHours >= 1
        ? duration.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
        : duration.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
