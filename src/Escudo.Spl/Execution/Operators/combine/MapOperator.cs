using Escudo.Core.Events;
using Escudo.Spl.Macros;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// map: runs the search once per input row (at most maxsearches), with $field$ tokens filled from
/// the row. Each search is expanded and parsed here and planned by <paramref name="plan"/> (the
/// planner's, handed down so execution does not depend on planning).
/// </summary>
internal sealed class MapOperator(MapCommand m, SearchContext context, Func<Pipeline, string, CompiledSearch> plan) : Operator
{
    private readonly string[] _tokens = System.Text.RegularExpressions.Regex.Matches(m.Search, @"\$([^$\s]+)\$").Select(x => x.Groups[1].Value).Distinct().ToArray();

    public override string Describe() => "map";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var n = 0;
        foreach (var r in input)
        {
            if (n++ >= m.MaxSearches)
            {
                break;
            }

            var text = m.Search;
            foreach (var tok in _tokens)
            {
                text = text.Replace("$" + tok + "$", r.Get(tok).FirstString() ?? string.Empty, StringComparison.Ordinal);
            }

            var expanded = context.Macros is null ? text : new MacroExpander(context.Macros).Expand(text).Text ?? text;
            var parsed = Parser.Parse(expanded);
            if (!parsed.Success)
            {
                context.Warn("SPL2003", $"map: search for one row does not parse: {parsed.Diagnostic.Message}");
                continue;
            }

            foreach (var result in plan(parsed.Value, expanded).Run())
            {
                yield return result;
            }
        }
    }
}
