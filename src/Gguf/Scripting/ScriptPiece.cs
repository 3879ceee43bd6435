using System.Text;

namespace HiPO.Gguf.Scripting;

/// <summary>
/// One token of a scripted model's reply. Text becomes Qwen's control token or HiPO's tag of that
/// name, the byte token when it is a single byte (such as <c>"\n"</c>), or else a word token of its
/// own; <see cref="Byte"/> names a raw byte token, so a multi-byte character can be split across
/// tokens. A string converts implicitly.
/// </summary>
public readonly record struct ScriptPiece
{
    private ScriptPiece(string? text, byte rawByte, bool isByte)
    {
        Text = text;
        RawByte = rawByte;
        IsByte = isByte;
    }

    /// <summary>The piece's text, or null for a raw byte.</summary>
    public string? Text { get; }

    /// <summary>Whether the piece is the raw byte token <see cref="RawByte"/>.</summary>
    public bool IsByte { get; }

    public byte RawByte { get; }

    public static ScriptPiece FromText(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return new ScriptPiece(text, 0, isByte: false);
    }

    /// <summary>The byte token for <paramref name="value"/>, e.g. <c>Byte(0xF0)</c>.</summary>
    public static ScriptPiece Byte(byte value) => new(null, value, isByte: true);

    /// <summary>One byte token per UTF-8 byte of <paramref name="text"/>, e.g. an emoji as four tokens.</summary>
    public static ScriptPiece[] BytesOf(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        return [.. Encoding.UTF8.GetBytes(text).Select(Byte)];
    }

    public static implicit operator ScriptPiece(string text) => FromText(text);

    public override string ToString() => IsByte
        ? $"byte 0x{RawByte:X2}"
        : Text is null ? "(empty piece)" : $"\"{Escape(Text)}\"";

    private static string Escape(string text) => text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
}
