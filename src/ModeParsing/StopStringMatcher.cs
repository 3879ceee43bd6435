namespace HiPO.ModeParsing;

/// <summary>
/// Applies OpenAI <c>stop</c> strings to streamed text: passes text on as soon as it cannot be part of
/// a stop string and ends the stream, without emitting the stop string, once one appears. The server
/// applies it to answer text only, so a stop string inside the reasoning does not end the reply.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] stops;
    private string held = "";

    public StopStringMatcher(IReadOnlyList<string> stops)
    {
        // An empty stop string would end every reply before it starts; OpenAI clients mean "none".
        this.stops = stops.Where(s => s.Length > 0).ToArray();
    }

    public bool Stopped { get; private set; }

    /// <summary>
    /// Returns the text that is safe to emit now. Holds back only a suffix that could still begin a
    /// stop string; once a stop string completes, returns the text before it and ignores further input.
    /// </summary>
    public string Feed(string text)
    {
        if (Stopped)
            return "";
        string buffer = held + text;
        held = "";

        int stopAt = FirstStop(buffer);
        if (stopAt >= 0)
        {
            Stopped = true;
            return buffer[..stopAt];
        }

        int keep = LongestSuffixStartingAStop(buffer);
        held = buffer[^keep..];
        return buffer[..^keep];
    }

    /// <summary>At the end of the stream, releases what was held back (nothing once stopped).</summary>
    public string Flush()
    {
        string rest = held;
        held = "";
        return rest;
    }

    // The stop that completes first in the stream wins, whatever the chunking: the one ending
    // earliest, and of those the longest.
    private int FirstStop(string buffer)
    {
        int bestStart = -1, bestEnd = int.MaxValue;
        foreach (string stop in stops)
        {
            int start = buffer.IndexOf(stop, StringComparison.Ordinal);
            if (start < 0)
                continue;
            int end = start + stop.Length;
            if (end < bestEnd || (end == bestEnd && start < bestStart))
                (bestStart, bestEnd) = (start, end);
        }
        return bestStart;
    }

    private int LongestSuffixStartingAStop(string buffer)
    {
        int longest = 0;
        foreach (string stop in stops)
        {
            for (int length = Math.Min(stop.Length - 1, buffer.Length); length > longest; length--)
            {
                if (buffer.AsSpan(buffer.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
