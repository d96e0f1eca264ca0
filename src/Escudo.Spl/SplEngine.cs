using Escudo.Core.Diagnostics;
using Escudo.Spl.Execution;
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
        var text = search;
        if (context.Macros is { } macros)
        {
            var expansion = new MacroExpander(macros).Expand(search);
            if (!expansion.Success)
            {
                return new CompileResult(null, null, search, expansion.Diagnostic);
            }

            text = expansion.Text!;
        }
        else
        {
            text = MacroExpander.RemoveComments(search);
        }

        var parsed = Parser.Parse(text);
        if (!parsed.Success)
        {
            return new CompileResult(null, null, text, parsed.Diagnostic);
        }

        try
        {
            var plan = new Planner(context).Plan(parsed.Value, text);
            return new CompileResult(plan, parsed.Value, text, null);
        }
        catch (DiagnosticException e)
        {
            return new CompileResult(null, parsed.Value, text, e.Diagnostic);
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

/// <summary>The outcome of compiling a search: a runnable plan, or a diagnostic and the text it refers to.</summary>
public sealed record CompileResult(CompiledSearch? Search, Pipeline? Syntax, string Text, Diagnostic? Diagnostic)
{
    public bool Success => Search is not null;
}
