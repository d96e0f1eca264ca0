using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>rex: named groups become fields (max_match&gt;1 makes multivalues).</summary>
internal sealed class RexOperator : InPlaceOperator
{
    private readonly RexCommand _command;
    private readonly SearchContext _context;
    private readonly int _field;
    private readonly Regex _regex;
    private readonly (string Name, int Id)[] _groups;
    private readonly int _max;

    public RexOperator(RexCommand r, SearchContext context)
    {
        _command = r;
        _context = context;
        _field = FieldTable.Intern(r.Field);
        try
        {
            _regex = SplRegex.Create(r.Pattern);
        }
        catch (ArgumentException e)
        {
            throw new DiagnosticException(SplDiagnostics.BadRegex(r.Pattern, e.Message, r.Span));
        }

        _groups = _regex.GetGroupNames().Where(g => !int.TryParse(g, out _)).Select(g => (Name: g, Id: FieldTable.Intern(g))).ToArray();
        _max = r.MaxMatch <= 0 ? int.MaxValue : r.MaxMatch;
    }

    public override string Describe() => "rex " + _command.Pattern;

    protected override void Map(Row row)
    {
        var v = row.Get(_field);
        if (v.IsNull)
        {
            return;
        }

        var text = v.FirstString()!;
        try
        {
            if (_max == 1)
            {
                MatchOnce(row, text);
                return;
            }

            var values = _groups.ToDictionary(g => g.Id, _ => new List<string>());
            foreach (var m in SplRegex.Matches(_regex, text, _max, _context))
            {
                foreach (var (name, id) in _groups)
                {
                    if (m.Groups[name].Success)
                    {
                        values[id].Add(m.Groups[name].Value);
                    }
                }
            }

            foreach (var (id, list) in values)
            {
                if (list.Count > 0)
                {
                    row.Set(id, Value.FromMulti(list));
                }
            }
        }
        catch (RegexMatchTimeoutException)
        {
            _context.Warn("SPL2002", $"rex timed out on one event; the event was kept without the extraction");
        }
    }

    private void MatchOnce(Row row, string text)
    {
        var m = SplRegex.Match(_regex, text, _context);
        if (!m.Success)
        {
            return;
        }

        foreach (var (name, id) in _groups)
        {
            if (m.Groups[name].Success)
            {
                row.Set(id, Value.FromString(m.Groups[name].Value));
            }
        }
    }
}
