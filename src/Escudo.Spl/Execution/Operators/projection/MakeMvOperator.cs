using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>makemv: splits a field's value into a multivalue, by a delimiter or by the matches of a tokenizer regex.</summary>
internal sealed class MakeMvOperator : InPlaceOperator
{
    private readonly MakeMvCommand _command;
    private readonly SearchContext _context;
    private readonly int _id;
    private readonly Regex? _tokenizer;

    public MakeMvOperator(MakeMvCommand m, SearchContext context)
    {
        _command = m;
        _context = context;
        _id = FieldTable.Intern(m.Field);
        if (m.Tokenizer is not null)
        {
            try
            {
                _tokenizer = SplRegex.Create(m.Tokenizer);
            }
            catch (ArgumentException e)
            {
                throw new DiagnosticException(SplDiagnostics.BadRegex(m.Tokenizer, e.Message, m.Span));
            }
        }
    }

    public override string Describe() => "makemv " + _command.Field;

    protected override void Map(Row row)
    {
        var s = row.Get(_id).FirstString();
        if (s is null)
        {
            return;
        }

        List<string> parts;
        if (_tokenizer is not null)
        {
            try
            {
                parts = SplRegex.Matches(_tokenizer, s, int.MaxValue, _context).Select(x => x.Groups.Count > 1 ? x.Groups[1].Value : x.Value).ToList();
            }
            catch (RegexMatchTimeoutException)
            {
                _context.Warn("SPL2004", "makemv tokenizer timed out on one value; the field is left as it was");
                return;
            }
        }
        else
        {
            parts = s.Split(_command.Delimiter ?? " ").Where(p => _command.AllowEmpty || p.Length > 0).ToList();
        }

        row.Set(_id, Value.FromMulti(parts));
    }
}
