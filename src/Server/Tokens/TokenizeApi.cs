using HiPO.Server.Hosting;
using System.Text;
using System.Text.Json;
using HiPO.Inference.Hosting;
using HiPO.Server.Generation;
using HiPO.Server.OpenAI;

namespace HiPO.Server.Tokens;

/// <summary>llama-server's <c>POST /tokenize</c> and <c>POST /detokenize</c>: the served model's own tokenizer, for counting and building prompts.</summary>
public static class TokenizeApi
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEndpointRouteBuilder MapTokenizeApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tokenize", TokenizeAsync)
            .WithTags("Tokenizer")
            .WithName("Tokenize")
            .WithMetadata(new JsonRequestBody(typeof(TokenizeRequest)))
            .WithSummary("Tokenizes text with the model's tokenizer (llama-server's /tokenize).")
            .WithDescription("content is the text; add_special (default false) adds BOS where the model wants one; parse_special (default true) " +
                "turns control-token spellings such as <|im_end|> into those tokens; with_pieces (default false) returns {id, piece} objects, " +
                "piece being a string, or a list of bytes when the token holds part of a UTF-8 character.")
            .Produces<TokenizeResponse>()
            .Produces<TokenPiecesResponse>()
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        app.MapPost("/detokenize", DetokenizeAsync)
            .WithTags("Tokenizer")
            .WithName("Detokenize")
            .WithMetadata(new JsonRequestBody(typeof(DetokenizeRequest)))
            .WithSummary("Turns token ids back into text (llama-server's /detokenize).")
            .WithDescription("tokens is a list of token ids; control tokens are spelled out. Ids outside the vocabulary are refused.")
            .Produces<DetokenizeResponse>()
            .Produces<ErrorResponse>(StatusCodes.Status400BadRequest)
            .Produces<ErrorResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<IResult> TokenizeAsync(HttpContext context, HipoEngine engine)
    {
        try
        {
            EngineGate.EnsureReady(engine);
            var request = await JsonBody.ReadAsync(context.Request, OpenAiJsonContext.Default.TokenizeRequest, context.RequestAborted);
            var content = request.Content ?? throw ApiException.Invalid("Missing required parameter: 'content'.", "content", "missing_required_parameter");
            var tokens = engine.Tokenize(content, request.AddSpecial == true, request.ParseSpecial != false);
            if (request.WithPieces != true)
                return TypedResults.Json(new TokenizeResponse(tokens), OpenAiJsonContext.Default.TokenizeResponse);
            return TypedResults.Json(new TokenPiecesResponse([.. tokens.Select(t => new TokenPiece(t, Piece(engine.TokenBytes(t))))]),
                OpenAiJsonContext.Default.TokenPiecesResponse);
        }
        catch (ApiException e)
        {
            return e.ToResult(context);
        }
    }

    private static async Task<IResult> DetokenizeAsync(HttpContext context, HipoEngine engine)
    {
        try
        {
            EngineGate.EnsureReady(engine);
            var request = await JsonBody.ReadAsync(context.Request, OpenAiJsonContext.Default.DetokenizeRequest, context.RequestAborted);
            var tokens = request.Tokens ?? throw ApiException.Invalid("Missing required parameter: 'tokens'.", "tokens", "missing_required_parameter");
            var vocabulary = engine.VocabularySize;
            var invalid = tokens.FindIndex(t => t < 0 || t >= vocabulary);
            if (invalid >= 0)
                throw ApiException.Invalid($"tokens[{invalid}] = {tokens[invalid]} is not a token id of this model (0 to {vocabulary - 1}).", "tokens");
            return TypedResults.Json(new DetokenizeResponse(engine.Detokenize(tokens)), OpenAiJsonContext.Default.DetokenizeResponse);
        }
        catch (ApiException e)
        {
            return e.ToResult(context);
        }
    }

    /// <summary>The piece as llama-server gives it: a string when the bytes are valid UTF-8, else the bytes themselves.</summary>
    private static JsonElement Piece(byte[] bytes)
    {
        try
        {
            return JsonSerializer.SerializeToElement(StrictUtf8.GetString(bytes), OpenAiJsonContext.Default.String);
        }
        catch (DecoderFallbackException)
        {
            return JsonSerializer.SerializeToElement(bytes.Select(b => (int)b).ToArray(), OpenAiJsonContext.Default.Int32Array);
        }
    }
}
