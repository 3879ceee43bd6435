using System.Text;
using System.Text.RegularExpressions;
using HiPO.Gguf;

namespace HiPO.ModelHub;

/// <summary>
/// What a model's own chat template says about the prompt we render ourselves: the text its
/// <c>add_generation_prompt</c> branch appends (for HiPO, <c>&lt;|im_start|&gt;assistant\n&lt;judge&gt;\n</c>)
/// and so whether the generation prompt opens the judge block.
/// </summary>
/// <remarks>
/// This is not a Jinja engine. It reads only the string literals that the generation-prompt branch
/// outputs unconditionally; a branch that outputs a variable, or nothing it can read, yields no
/// suggestion, and text inside nested conditions is reported as conditional and left out.
/// </remarks>
public static partial class ChatTemplateInspector
{
    public const string MetadataKey = "tokenizer.chat_template";

    /// <summary>Inspects the chat template stored in the GGUF file at <paramref name="ggufPath"/>.</summary>
    public static ChatTemplateFacts InspectModel(string ggufPath) =>
        Inspect(GgufReader.ReadMetadata(ggufPath).TryGetValue(MetadataKey, out object? template) ? template as string : null);

    public static ChatTemplateFacts Inspect(string? template)
    {
        if (string.IsNullOrEmpty(template))
        {
            return new ChatTemplateFacts(HasTemplate: false, GenerationPrompt: null, HasConditionalParts: false);
        }

        var open = GenerationPromptBranch().Match(template);
        if (!open.Success)
        {
            return new ChatTemplateFacts(HasTemplate: true, GenerationPrompt: null, HasConditionalParts: false);
        }

        var prompt = new StringBuilder();
        bool conditional = false;
        bool readable = true;
        int depth = 0;
        int position = open.Index + open.Length;
        foreach (Match tag in TemplateTag().Matches(template, position))
        {
            if (depth == 0)
            {
                AppendRawText(prompt, template[position..tag.Index]);
            }

            position = tag.Index + tag.Length;
            string body = tag.Groups["body"].Value.Trim();
            string kind = tag.Groups["kind"].Value;
            if (kind == "%")
            {
                string keyword = body.Split(' ', 2)[0];
                if (keyword is "if" or "for" or "macro" or "call" or "filter" || (keyword == "set" && !body.Contains('=', StringComparison.Ordinal)))
                {
                    depth++;
                    conditional |= keyword is "if" or "for";
                }
                else if (keyword.StartsWith("end", StringComparison.Ordinal))
                {
                    if (depth == 0)
                    {
                        break;
                    }

                    depth--;
                }
                else if (keyword is "else" or "elif" && depth == 0)
                {
                    // The branch for add_generation_prompt being false starts here.
                    break;
                }
            }
            else if (kind == "{" && depth == 0)
            {
                readable &= AppendLiterals(prompt, body);
            }
        }

        string? text = readable && prompt.Length > 0 ? prompt.ToString() : null;
        return new ChatTemplateFacts(HasTemplate: true, GenerationPrompt: text, HasConditionalParts: conditional);
    }

    /// <summary>Appends an output expression made only of string literals joined by + or ~; false for anything else.</summary>
    private static bool AppendLiterals(StringBuilder prompt, string expression)
    {
        var literals = StringLiteral().Matches(expression);
        string rest = StringLiteral().Replace(expression, "");
        if (literals.Count == 0 || rest.Any(c => !char.IsWhiteSpace(c) && c is not ('+' or '~')))
        {
            return false;
        }

        foreach (Match literal in literals)
        {
            prompt.Append(Unescape(literal.Value[1..^1]));
        }

        return true;
    }

    // HF renders templates with trim_blocks and lstrip_blocks, and templates trim with "-": whitespace
    // between tags is layout, not output.
    private static void AppendRawText(StringBuilder prompt, string text)
    {
        if (!string.IsNullOrWhiteSpace(text))
        {
            prompt.Append(text);
        }
    }

    private static string Unescape(string literal)
    {
        var text = new StringBuilder(literal.Length);
        for (int i = 0; i < literal.Length; i++)
        {
            if (literal[i] == '\\' && i + 1 < literal.Length)
            {
                i++;
                text.Append(literal[i] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    char other => other,
                });
            }
            else
            {
                text.Append(literal[i]);
            }
        }

        return text.ToString();
    }

    [GeneratedRegex(@"\{%-?\s*if\s+add_generation_prompt\s*-?%\}")]
    private static partial Regex GenerationPromptBranch();

    [GeneratedRegex(@"\{(?<kind>[%{#])-?(?<body>.*?)-?[%}#]\}", RegexOptions.Singleline)]
    private static partial Regex TemplateTag();

    [GeneratedRegex(@"'(?:[^'\\]|\\.)*'|""(?:[^""\\]|\\.)*""", RegexOptions.Singleline)]
    private static partial Regex StringLiteral();
}

/// <summary>What <see cref="ChatTemplateInspector"/> found in a chat template.</summary>
/// <param name="HasTemplate">The model carries a chat template.</param>
/// <param name="GenerationPrompt">
/// The text the template appends for <c>add_generation_prompt</c>, when it is plain literals; a
/// suggested generation prefix for the prompt renderer.
/// </param>
/// <param name="HasConditionalParts">The branch also outputs text under conditions (e.g. Qwen3's <c>enable_thinking</c>), which is left out.</param>
public sealed record ChatTemplateFacts(bool HasTemplate, string? GenerationPrompt, bool HasConditionalParts)
{
    /// <summary>The generation prompt ends by opening HiPO's judge block, so the reply starts inside it.</summary>
    public bool OpensJudge => GenerationPrompt?.TrimEnd().EndsWith("<judge>", StringComparison.Ordinal) == true;

    /// <summary>One line for the startup log.</summary>
    public string Describe()
    {
        if (!HasTemplate)
        {
            return "the model has no chat template; the configured prompt format is used";
        }

        if (GenerationPrompt is null)
        {
            return "the chat template's generation prompt is not plain text; the configured generation prefix is used";
        }

        string conditional = HasConditionalParts ? ", plus conditional parts that were left out" : "";
        string judge = OpensJudge ? "opens <judge>" : "does not open <judge>";
        return $"the chat template's generation prompt is \"{GenerationPrompt.ReplaceLineEndings("\\n")}\" ({judge}{conditional})";
    }
}
