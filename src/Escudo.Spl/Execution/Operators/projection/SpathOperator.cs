using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Functions.Eval;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>spath: extracts JSON (or XML) paths from a field; without a path, every leaf becomes a field.</summary>
internal sealed class SpathOperator(SpathCommand s) : InPlaceOperator
{
    private readonly int _input = FieldTable.Intern(s.Input);
    private readonly int _output = FieldTable.Intern(s.Output ?? s.Path ?? "spath");

    public override string Describe() => "spath";

    protected override void Map(Row row)
    {
        var text = row.Get(_input).FirstString();
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        if (s.Path is not null)
        {
            var v = JsonPath.Extract(text, s.Path);
            if (!v.IsNull)
            {
                row.Set(_output, v);
            }

            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            var collected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
            JsonPath.Flatten(doc.RootElement, string.Empty, (k, v) =>
            {
                if (!collected.TryGetValue(k, out var list))
                {
                    collected[k] = list = [];
                }

                list.Add(v);
            });
            foreach (var (k, list) in collected)
            {
                row.Set(FieldTable.Intern(k), Value.FromMulti(list));
            }
        }
        catch (JsonException)
        {
            // Not JSON: spath leaves the event as it is.
        }
    }
}
