using System.Text.RegularExpressions;

namespace HiPO.Gguf.Scripting;

/// <summary>
/// Splits text into word pieces for one scripted model (each with its leading whitespace, the last with
/// any trailing whitespace). A word already used in the model is joined with the words after it until the
/// piece is new (at the end of the text, with the pieces before it), so a repeated word never needs two
/// successors. Use one splitter per model.
/// </summary>
public sealed partial class WordSplitter
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public ScriptPiece[] Split(string text)
    {
        string[] words = [.. Word().Matches(text).Select(m => m.Value)];
        var pieces = new List<string>();
        for (int i = 0; i < words.Length;)
        {
            string piece = words[i++];
            while (_used.Contains(piece) && i < words.Length)
            {
                piece += words[i++];
            }

            while (_used.Contains(piece) && pieces.Count > 0)
            {
                piece = pieces[^1] + piece;
                pieces.RemoveAt(pieces.Count - 1);
            }

            _used.Add(piece);
            pieces.Add(piece);
        }

        return [.. pieces.Select(p => (ScriptPiece)p)];
    }

    [GeneratedRegex(@"\s*\S+(\s+\z)?")]
    private static partial Regex Word();
}
