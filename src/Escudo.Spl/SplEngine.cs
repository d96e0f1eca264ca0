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
    public static CompileResult Compile(string search, SearchContext context)
    {
        string text;
        SourceMap map;
        if (context.Macros is { } macros)
        {
            var expansion = new MacroExpander(macros).Expand(search);
            if (!expansion.Success)
            {
                return new CompileResult(null, null, search, expansion.Diagnostic);
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
        if (!parsed.Success)
        {
            return new CompileResult(null, null, search, map.ToOriginal(parsed.Diagnostic)) { ExpandedText = text };
        }

        try
        {
            var plan = new Planner(context).Plan(parsed.Value, text);
            return new CompileResult(plan, parsed.Value, text, null) { ExpandedText = text };
        }
        catch (DiagnosticException e)
        {
            return new CompileResult(null, parsed.Value, search, map.ToOriginal(e.Diagnostic)) { ExpandedText = text };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A planner bug on one search must not end a check, a hunt or the server: it becomes
            // this search's diagnostic, named as a bug, and the others go on.
            return new CompileResult(null, parsed.Value, text, SplDiagnostics.InternalError(parsed.Value.Span, e));
        }
    }

    public static ParseResult<Pipeline> Parse(string text) => Parser.Parse(text);
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
