using Escudo.Core.Events;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// <c>head (&lt;eval-expression&gt;)</c>: results in search order until the expression is false
/// (https://help.splunk.com/splunk-enterprise/spl-search-reference/9.3/search-commands/head).
/// A NULL result stops the run like false, unless null=true returns it and goes on; keeplast=true
/// also returns the result that stopped the run. A count or limit bounds the results returned.
/// </summary>
internal static class HeadWhile
{
    public static IEnumerable<Row> Run(IEnumerable<Row> rows, CompiledExpr condition, int limit, bool keepLast, bool nullPasses)
    {
        var returned = 0;
        foreach (var row in rows)
        {
            if (returned >= limit)
            {
                yield break;
            }

            var value = condition(row);
            if (value.IsNull ? nullPasses : EvalComparison.IsTrue(value))
            {
                returned++;
                yield return row;
                continue;
            }

            if (keepLast)
            {
                yield return row;
            }

            yield break;
        }
    }
}
