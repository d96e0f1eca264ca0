using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>rex: named groups become fields (max_match&gt;1 makes multivalues); offset_field gets "group=start-end".</summary>
internal sealed class RexOperator : InPlaceOperator
{
    private readonly RexCommand _command;
    private readonly SearchContext _context;
    private readonly int _field;
    private readonly Regex _regex;
    private readonly (string Name, int Id)[] _groups;
    private readonly int _max;
    private readonly int _offsetField = -1;

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
        if (r.OffsetField is { } offsetField)
        {
            if (_groups.Length != 1)
            {
                // The page's examples have one named group ("firstfive=0-4"); how several are joined is not shown.
                throw new DiagnosticException(SplDiagnostics.BadArguments("rex", r.OffsetSpan, _groups.Length == 0 ? "offset_field without a named group" : "offset_field with more than one named group"));
            }

            _offsetField = FieldTable.Intern(offsetField);
        }
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
                if (_offsetField >= 0)
                {
                    // "The offset_field shows tenchars=0-9. The offset calculation always uses zero (0) for
                    // the first position" (Rex, 10.0): the first and last character, counted from 0.
                    var g = m.Groups[name];
                    row.Set(_offsetField, Value.FromString($"{name}={g.Index}-{g.Index + g.Length - 1}"));
                }
            }
        }
    }
}
