using Escudo.Core.Text;

namespace Escudo.Spl.Syntax;

/// <summary>A token: its kind, where it is, its source text and (for quoted strings) its unescaped value.</summary>
internal readonly record struct Token(TokenKind Kind, int Start, int End, string Text, string Value)
{
    public TextSpan Span => TextSpan.FromBounds(Start, End);

    public bool IsWord(string word) => Kind == TokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);

    /// <summary>What the token looks like in an error message.</summary>
    public string Display => Kind switch
    {
        TokenKind.End => "end of input",
        TokenKind.String => $"string {Text}",
        _ => $"`{Text}`",
    };
}
