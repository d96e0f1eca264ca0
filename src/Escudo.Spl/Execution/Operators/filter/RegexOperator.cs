using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>regex: keeps rows whose field (any of its values) matches, or with != those where none does.</summary>
internal sealed class RegexOperator : Operator, IRowStep
{
    private readonly RegexCommand _command;
    private readonly SearchContext _context;
    private readonly Regex _regex;
    private readonly int _field;

    public RegexOperator(RegexCommand r, SearchContext context)
    {
        _command = r;
        _context = context;
        try
        {
            _regex = SplRegex.Create(r.Pattern);
        }
        catch (ArgumentException e)
        {
            throw new DiagnosticException(SplDiagnostics.BadRegex(r.Pattern, e.Message, r.Span));
        }

        _field = FieldTable.Intern(r.Field);
    }

    public override string Describe() => $"regex {_command.Field}{(_command.Negate ? "!=" : "=")}{_command.Pattern}";

    public bool Apply(Row row)
    {
        var v = row.Get(_field);
        var any = false;
        foreach (var item in v.Items)
        {
            if (SplRegex.SafeIsMatch(_regex, item, _context))
            {
                any = true;
                break;
            }
        }

        // regex field!=re keeps events whose field does not match, including events without the field.
        return _command.Negate ? !any : any;
    }

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        foreach (var row in input)
        {
            if (Apply(row))
            {
                yield return row;
            }
        }
    }
}
