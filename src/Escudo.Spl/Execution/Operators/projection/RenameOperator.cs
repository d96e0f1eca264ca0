using Escudo.Core.Events;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// rename, in place: with wildcards (<c>Registry.* AS *</c>) every matching field; a plain name sets
/// the new name to the old field's value in each row, so a row without the old field loses the new one.
/// </summary>
internal sealed class RenameOperator(RenameCommand r) : InPlaceOperator
{
    private readonly (FieldPattern Pattern, string Target)[] _renames = r.Renames.Select(x => (Pattern: new FieldPattern(x.Field), Target: x.Alias!)).ToArray();

    // A wildcard rename maps each field name the same way every time: remember it per field id
    // (-1 for no match) instead of matching the pattern on every row.
    private readonly Dictionary<(int Rename, int Field), int> _memo = [];

    public override string Describe() => "rename " + string.Join(", ", r.Renames.Select(x => $"{x.Field} as {x.Alias}"));

    protected override void Map(Row row)
    {
        for (var k = 0; k < _renames.Length; k++)
        {
            var (pattern, target) = _renames[k];
            if (!pattern.HasWildcard)
            {
                var toId = FieldTable.Intern(target);
                if (FieldTable.TryGet(pattern.Pattern, out var fromId) && row.Has(fromId))
                {
                    row.Rename(fromId, toId);
                }
                else if (!string.Equals(pattern.Pattern, target, StringComparison.Ordinal))
                {
                    // "rename pid AS product_id ... overwrites product_id with Null values where pid does
                    // not exist for the event" (Rename page, "Renaming a field that does not exist").
                    row.Remove(toId);
                }

                continue;
            }

            for (var i = 0; i < row.Count; i++)
            {
                var id = row.IdAt(i);
                if (!_memo.TryGetValue((k, id), out var newId))
                {
                    var name = FieldTable.NameOf(id);
                    var newName = pattern.Rewrite(name, target);
                    newId = newName is not null && newName != name ? FieldTable.Intern(newName) : -1;
                    _memo[(k, id)] = newId;
                }

                if (newId >= 0)
                {
                    row.Rename(id, newId);
                }
            }
        }
    }
}
