using Escudo.Core.Storage;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Planning.Pushdown;

/// <summary>
/// The leading search's filter, from its syntax tree, as a <see cref="ScanCondition"/> for the
/// store: AND, OR and NOT kept, <c>field=value</c> and <c>field IN (...)</c> as field matches,
/// and whatever else the search language has (keywords, <c>!=</c>, ordering comparisons, time
/// modifiers, <c>field=*</c>, subsearches) opaque, so a store never guesses its meaning.
/// </summary>
public static class ScanConditionBuilder
{
    public static ScanCondition From(SearchExpr expr) => expr switch
    {
        SearchAll => new ScanAnd([]),
        SearchAnd a => new ScanAnd([.. a.Terms.Select(From)]),
        SearchOr o => new ScanOr([.. o.Terms.Select(From)]),
        SearchNot n => new ScanNot(From(n.Operand)),
        SearchCompare c => Compare(c),
        SearchIn i when i.Values.Any(v => v.Length > 0) => new ScanFieldMatch(i.Field, [.. i.Values.Where(v => v.Length > 0)]),
        SearchIn => new ScanOpaque("IN with no value"),
        SearchTerm t => new ScanOpaque("keyword " + t.Text),
        SearchSubsearch => new ScanOpaque("subsearch"),
        _ => new ScanOpaque(expr.GetType().Name),
    };

    private static ScanCondition Compare(SearchCompare c)
    {
        if (c.Op != "=" || SearchPredicateCompiler.IsTimeModifier(c.Field))
        {
            return new ScanOpaque($"{c.Field}{c.Op}{c.Value}");
        }

        // field=* tests that the field exists, which is not a value match; an empty value matches nothing useful to a store.
        return (c.Value == "*" && !c.Quoted) || c.Value.Length == 0
            ? new ScanOpaque($"{c.Field}={c.Value}")
            : new ScanFieldMatch(c.Field, [c.Value]);
    }
}
