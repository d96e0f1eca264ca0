using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// join (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Join): the
/// subsearch runs first; each main row is joined to at most <c>max</c> subsearch rows with the
/// same values of the join fields (subsearch fields overwrite, unless overwrite=false); left keeps unmatched rows.
/// Without join fields, the fields common to both sides are used.
/// </summary>
internal sealed class JoinOperator(JoinCommand j, NestedSearch sub, SearchContext context) : Operator
{
    public override NestedSearch? Nested => sub;

    public override bool Mutates => true;

    public override string Describe() => $"join type={j.Type} {string.Join(",", j.Fields)} [subsearch]";

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var subRows = NestedSearch.TakeMaxOut(context, sub.Run(), NestedSearch.JoinMaxOut, "join subsearch");
        var fields = j.Fields.Count > 0
            ? j.Fields.Select(FieldTable.Intern).ToArray()
            : subRows.SelectMany(r => Enumerable.Range(0, r.Count).Select(r.IdAt)).Distinct().Where(id => !FieldTable.NameOf(id).StartsWith('_')).ToArray();
        var index = new Dictionary<string, List<Row>>(StringComparer.Ordinal);
        foreach (var s in subRows)
        {
            var key = RowKey.Of(s, fields);
            if (key is null)
            {
                continue;
            }

            if (!index.TryGetValue(key, out var list))
            {
                index[key] = list = [];
            }

            list.Add(s);
        }

        foreach (var r in input)
        {
            var key = RowKey.Of(r, fields);
            if (key is null || !index.TryGetValue(key, out var matches))
            {
                if (j.Type == "left")
                {
                    yield return r;
                }

                continue;
            }

            var taken = 0;
            foreach (var m in matches)
            {
                if (taken++ >= j.Max)
                {
                    break;
                }

                var combined = taken == matches.Count || taken == j.Max ? r : r.Clone();
                for (var i = 0; i < m.Count; i++)
                {
                    if (j.Overwrite || combined.Get(m.IdAt(i)).IsNull)
                    {
                        combined.Set(m.IdAt(i), m.ValueAt(i));
                    }
                }

                combined.AddEvidence(m); // the joined row stands for the subsearch's events too

                yield return combined;
            }
        }
    }
}
