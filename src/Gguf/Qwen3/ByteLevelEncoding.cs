using System.Text;

namespace HiPO.Gguf.Qwen3;

/// <summary>
/// GPT-2's byte-to-unicode mapping, which byte-level BPE vocabularies (Qwen's included) use to store
/// every token as printable text: printable Latin-1 bytes map to themselves, the other 68 bytes to
/// U+0100 onwards (space is 'Ġ', newline 'Ċ'). llama.cpp maps the text back to bytes when decoding.
/// </summary>
internal static class ByteLevelEncoding
{
    private static readonly char[] ByteToChar = BuildTable();

    public static char Encode(byte value) => ByteToChar[value];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte value in bytes)
        {
            text.Append(ByteToChar[value]);
        }

        return text.ToString();
    }

    private static char[] BuildTable()
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
