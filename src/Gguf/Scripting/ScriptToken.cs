using System.Text;
using HiPO.Gguf.Qwen3;

namespace HiPO.Gguf.Scripting;

/// <summary>A script piece resolved to its vocabulary entry and to the bytes llama.cpp renders for it.</summary>
/// <param name="StoredText">The token's text as the vocabulary stores it (byte-level form for ordinary text); its identity.</param>
/// <param name="Type">The token type.</param>
/// <param name="Rendered">What llama.cpp's token-to-piece gives without special tokens: nothing for control tokens.</param>
/// <param name="EndsGeneration">Whether llama.cpp stops generating at this token.</param>
/// <param name="Display">The piece as written in the script, for messages.</param>
internal sealed record ScriptToken(string StoredText, QwenTokenType Type, byte[] Rendered, bool EndsGeneration, string Display)
{
    public static ScriptToken Resolve(ScriptPiece piece)
    {
        if (piece.IsByte)
        {
            return ForByte(piece.RawByte, piece.ToString());
        }

        string text = piece.Text ?? throw new ArgumentException("A script piece is empty (a default ScriptPiece).", nameof(piece));
        if (QwenVocabulary.ControlTokens.Contains(text))
        {
            return new ScriptToken(text, QwenTokenType.Control, [], QwenVocabulary.EndsGeneration(text), piece.ToString());
        }

        if (QwenVocabulary.HipoTags.Contains(text))
        {
            return new ScriptToken(text, QwenTokenType.UserDefined, Encoding.UTF8.GetBytes(text), false, piece.ToString());
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        return utf8.Length == 1
            ? ForByte(utf8[0], piece.ToString())
            : new ScriptToken(ByteLevelEncoding.Encode(utf8), QwenTokenType.Normal, utf8, false, piece.ToString());
    }

    private static ScriptToken ForByte(byte value, string display) =>
        new(ByteLevelEncoding.Encode(value).ToString(), QwenTokenType.Normal, [value], false, display);
}
