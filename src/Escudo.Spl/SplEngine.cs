using Escudo.Core.Diagnostics;
using Escudo.Spl.Execution;
using Escudo.Spl.Execution.Operators;
using Escudo.Spl.Macros;
using Escudo.Spl.Planning;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl;

/// <summary>
/// The front door of the language: expand macros, parse, plan. Every failure comes back as a
/// diagnostic together with the text it points into (the expanded search for parse errors).
/// </summary>
public static class SplEngine
{
    public static CompileResult Compile(string search, SearchContext context) => Plan(Parse(search, context.Macros), context);

    /// <summary>
    /// The first half of <see cref="Compile"/>: expands macros (with <paramref name="macros"/>, or
    /// only removes comments when null) and parses, with no store, so a caller can find a bad
    /// search before reading any input and then <see cref="Plan"/> it once the events are loaded
    /// (subsearches run at plan time and need them).
    /// </summary>
    public static ParsedSearch Parse(string search, IMacroSource? macros)
    {
        string text;
        SourceMap map;
        if (macros is not null)
        {
            var expansion = new MacroExpander(macros).Expand(search);
            if (!expansion.Success)
            {
                return new ParsedSearch(search, null, search, null, expansion.Diagnostic);
            }

            text = expansion.Text!;
            map = expansion.Map ?? SourceMap.Identity(text.Length);
        }
        else
        {
            map = new SourceMap();
            text = MacroExpander.RemoveComments(search, map);
        }

        // Parse and plan errors are found in the expanded text; they are reported in the text the
        // user wrote (a 40-character search must not get an error at column 195).
        var parsed = Parser.Parse(text);
        return parsed.Success
            ? new ParsedSearch(search, text, text, map, null) { Syntax = parsed.Value }
            : new ParsedSearch(search, text, search, map, map.ToOriginal(parsed.Diagnostic));
    }

    /// <summary>The second half of <see cref="Compile"/>: plans a parsed search against <paramref name="context"/>'s store.</summary>
    public static CompileResult Plan(ParsedSearch parsed, SearchContext context)
    {
        if (parsed.Syntax is not { } syntax)
        {
            return new CompileResult(null, null, parsed.Text, parsed.Diagnostic) { ExpandedText = parsed.ExpandedText };
        }

        var text = parsed.ExpandedText!;
        try
        {
            var plan = new Planner(context).Plan(syntax, text);
            return new CompileResult(plan, syntax, text, null) { ExpandedText = text };
        }
        catch (DiagnosticException e)
        {
            return new CompileResult(null, syntax, parsed.Search, parsed.Map!.ToOriginal(e.Diagnostic)) { ExpandedText = text };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A planner bug on one search must not end a check, a hunt or the server: it becomes
            // this search's diagnostic, named as a bug, and the others go on.
            return new CompileResult(null, syntax, text, SplDiagnostics.InternalError(syntax.Span, e));
        }
    }

    public static ParseResult<Pipeline> Parse(string text) => Parser.Parse(text);
}

/// <summary>
/// A search expanded and parsed (<see cref="SplEngine.Parse(string, IMacroSource?)"/>), ready to be
/// planned, or the diagnostic that stopped it, with the text it refers to.
/// </summary>
public sealed class ParsedSearch
{
    internal ParsedSearch(string search, string? expandedText, string text, SourceMap? map, Diagnostic? diagnostic)
    {
        Search = search;
        ExpandedText = expandedText;
        Text = text;
        Map = map;
        Diagnostic = diagnostic;
    }

    public bool Success => Syntax is not null;

    /// <summary>The search as written.</summary>
    public string Search { get; }

    /// <summary>The search after macro expansion and comment removal, when expansion succeeded.</summary>
    public string? ExpandedText { get; }

    /// <summary>The text <see cref="Diagnostic"/> points into (the search as written), or the expanded text.</summary>
    public string Text { get; }

    public Diagnostic? Diagnostic { get; }

    internal SourceMap? Map { get; }

    internal Pipeline? Syntax { get; init; }
}

/// <summary>
/// The outcome of compiling a search: a runnable plan and the expanded text it runs, or a
/// diagnostic and the text it refers to (the search as written).
/// </summary>
public sealed record CompileResult(CompiledSearch? Search, Pipeline? Syntax, string Text, Diagnostic? Diagnostic)
{
    public bool Success => Search is not null;

    /// <summary>True when the text expanded and parsed (planning may still have failed).</summary>
    public bool Parsed => Syntax is not null;

    /// <summary>The search after macro expansion and comment removal, when expansion succeeded.</summary>
    public string? ExpandedText { get; init; }
}
