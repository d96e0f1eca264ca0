using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>replace: the first wildcard pair matching a field's value rewrites it, in the listed fields (else every non-internal field).</summary>
internal sealed class ReplaceOperator(ReplaceCommand r) : InPlaceOperator
{
    private readonly (FieldPattern Pattern, string To)[] _pairs = r.Pairs.Select(p => (Pattern: new FieldPattern(p.From), p.To)).ToArray();
    private readonly FieldPattern[] _fields = r.Fields.Select(f => new FieldPattern(f)).ToArray();

    public override string Describe() => "replace";

    protected override void Map(Row row)
    {
        for (var i = 0; i < row.Count; i++)
        {
            var name = row.NameAt(i);
            if (_fields.Length > 0 ? !_fields.Any(f => f.IsMatch(name)) : name.StartsWith('_'))
            {
                continue;
            }

            var v = row.ValueAt(i).FirstString();
            if (v is null)
            {
                continue;
            }

            foreach (var (pattern, to) in _pairs)
            {
                if (pattern.Rewrite(v, to) is { } replaced)
                {
                    row.Set(row.IdAt(i), Value.FromString(replaced));
                    break;
                }
            }
        }
    }
}
