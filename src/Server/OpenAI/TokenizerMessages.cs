using System.Text.Json;

namespace HiPO.Server.OpenAI;

/// <summary>llama-server's <c>POST /tokenize</c> body.</summary>
public sealed class TokenizeRequest
{
    public string? Content { get; set; }
    /// <summary>Add the BOS token where the model wants one (default false).</summary>
    public bool? AddSpecial { get; set; }
    /// <summary>Turn control-token spellings such as <c>&lt;|im_end|&gt;</c> into those tokens (default true); false tokenizes them as plain text.</summary>
    public bool? ParseSpecial { get; set; }
    /// <summary>Return <c>{"id","piece"}</c> objects instead of bare ids (default false).</summary>
    public bool? WithPieces { get; set; }
}

/// <summary><c>{"tokens":[ids]}</c>.</summary>
public sealed record TokenizeResponse(IReadOnlyList<int> Tokens);

/// <summary><c>{"tokens":[{"id","piece"}]}</c>, for <c>with_pieces</c>.</summary>
public sealed record TokenPiecesResponse(IReadOnlyList<TokenPiece> Tokens);

/// <summary>A token and its text: a string when its bytes are valid UTF-8, else the list of bytes (as llama-server does).</summary>
public sealed record TokenPiece(int Id, JsonElement Piece);

/// <summary>llama-server's <c>POST /detokenize</c> body.</summary>
public sealed class DetokenizeRequest
{
    public List<int>? Tokens { get; set; }
}

public sealed record DetokenizeResponse(string Content);
