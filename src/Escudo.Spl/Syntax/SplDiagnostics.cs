using Escudo.Core.Diagnostics;
using Escudo.Core.Text;

namespace Escudo.Spl.Syntax;

/// <summary>Every SPL diagnostic is made here, so codes and wording stay consistent and testable.</summary>
internal static class SplDiagnostics
{
    public static Diagnostic Unexpected(Token found, string expected) =>
        new("SPL0001", Severity.Error, found.Span.Length == 0 ? new TextSpan(found.Start, 1) : found.Span, $"unexpected {found.Display}, expected {expected}");

    public static Diagnostic UnterminatedString(Token t) =>
        new("SPL0002", Severity.Error, new TextSpan(t.Start, 1), "unterminated quoted string, expected a closing `\"`");

    public static Diagnostic UnknownCommand(Token t) =>
        new("SPL0003", Severity.Error, t.Span, $"unknown command `{t.Text}`");

    public static Diagnostic UnsupportedCommand(Token t, string why) =>
        new("SPL0004", Severity.Error, t.Span, $"command `{t.Text}` is not supported: {why}");

    public static Diagnostic UnknownFunction(string name, TextSpan span) =>
        new("SPL0005", Severity.Error, span, $"unknown function `{name}`");

    public static Diagnostic BadArguments(string command, TextSpan span, string why) =>
        new("SPL0006", Severity.Error, span, $"bad arguments to `{command}`: {why}");

    public static Diagnostic UnknownMacro(string name, int arity, TextSpan span) =>
        new("SPL0007", Severity.Error, span, $"unknown macro `{name}`" + (arity > 0 ? $" with {arity} argument(s)" : string.Empty));

    public static Diagnostic MacroCycle(string chain, TextSpan span) =>
        new("SPL0008", Severity.Error, span, $"macro expansion loops: {chain}");

    public static Diagnostic UnterminatedMacro(TextSpan span) =>
        new("SPL0009", Severity.Error, span, "unterminated macro call, expected a closing backtick");

    public static Diagnostic FunctionArity(string name, int given, string expected, TextSpan span) =>
        new("SPL0010", Severity.Error, span, $"function `{name}` takes {expected} argument(s), {given} given");

    public static Diagnostic UnknownLookup(string name, TextSpan span) =>
        new("SPL0011", Severity.Error, span, $"unknown lookup table `{name}`");

    public static Diagnostic UnknownDataModel(string name, TextSpan span) =>
        new("SPL0012", Severity.Error, span, $"unknown data model `{name}`");

    public static Diagnostic BadRegex(string pattern, string why, TextSpan span) =>
        new("SPL0013", Severity.Error, span, $"bad regular expression `{pattern}`: {why}");

    public static Diagnostic NestingTooDeep(TextSpan span, int limit) =>
        new("SPL0014", Severity.Error, span, $"nesting too deep: more than {limit} levels of parentheses, NOT, signs, function calls or subsearches inside one another");

    public static Diagnostic ExpressionTooDeep(TextSpan span, int limit) =>
        new("SPL0015", Severity.Error, span, $"expression too deep: more than {limit} operators or function calls nested in one expression; split it over several eval or where commands");

    public static Diagnostic SubsearchTooDeep(TextSpan span, int limit) =>
        new("SPL0016", Severity.Error, span, $"subsearches nested too deep: more than {limit} levels of subsearches or sub-pipelines inside one another");

    public static Diagnostic SubsearchNotAllowed(TextSpan span) =>
        new("SPL0017", Severity.Error, span, "a subsearch is not allowed here: only the search command and tstats where run subsearches");

    public static Diagnostic InternalError(TextSpan span, Exception e) =>
        new("SPL0018", Severity.Error, span, $"internal error while planning the search ({e.GetType().Name}: {e.Message}); please report it");
}
