namespace HiPO.Inference.Sampling;

/// <summary>Reusable scratch space for the per-token paths: a buffer grows when too short and is otherwise reused, never allocated per token.</summary>
internal static class ScratchBuffer
{
    /// <summary>
    /// The first <paramref name="length"/> elements of <paramref name="buffer"/>, replaced first by one of at least
    /// <paramref name="minimum"/> elements when it is shorter than <paramref name="length"/>.
    /// </summary>
    public static Span<T> Of<T>(ref T[]? buffer, int length, int minimum = 0)
    {
        if (buffer is null || buffer.Length < length)
            buffer = new T[Math.Max(length, minimum)];
        return buffer.AsSpan(0, length);
    }
}
