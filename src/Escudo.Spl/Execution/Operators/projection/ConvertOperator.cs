using System.Text.RegularExpressions;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// convert (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Convert):
/// ctime formats epoch seconds with timeformat (default <c>%m/%d/%Y %H:%M:%S</c>); values that
/// are not numbers stay as they are. mktime is the reverse; num/auto make numbers; dur2sec reads h:m:s.
/// </summary>
internal sealed class ConvertOperator : InPlaceOperator
{
    private readonly List<(int From, int To, Func<Value, Value> Fn)> _steps = [];
    private readonly string _description;

    public ConvertOperator(ConvertCommand c)
    {
        var format = c.TimeFormat ?? "%m/%d/%Y %H:%M:%S";
        foreach (var f in c.Functions)
        {
            Func<Value, Value> fn = f.Function switch
            {
                "ctime" => v => v.TryGetNumber(out var t) && StrTime.TryFormat(t, format, out var text) ? Value.FromString(text) : v,
                "mktime" => v => v.FirstString() is { } s && StrTime.Parse(s, format) is { } t ? Value.FromNumber(t) : v,
                "num" or "auto" => v => v.TryGetNumber(out var d) ? Value.FromNumber(d) : (f.Function == "num" ? Value.Null : v),
                "rmunit" => v => v.FirstString() is { } s && Regex.Match(s, @"^\s*[-+]?[\d.]+") is { Success: true } m ? Value.FromString(m.Value.Trim()) : v,
                "rmcomma" => v => v.FirstString() is { } s ? Value.FromString(s.Replace(",", string.Empty, StringComparison.Ordinal)) : v,
                "dur2sec" => v => v.FirstString() is { } s && TimeSpan.TryParse(s.Replace('+', '.'), System.Globalization.CultureInfo.InvariantCulture, out var ts) ? Value.FromNumber(ts.TotalSeconds) : v,
                "none" => v => v,
                _ => throw new DiagnosticException(SplDiagnostics.UnknownFunction(f.Function, c.Span)),
            };
            _steps.Add((FieldTable.Intern(f.Field), FieldTable.Intern(f.Alias ?? f.Field), fn));
        }

        _description = "convert " + string.Join(", ", c.Functions.Select(f => $"{f.Function}({f.Field})"));
    }

    public override string Describe() => _description;

    protected override void Map(Row row)
    {
        foreach (var (from, to, fn) in _steps)
        {
            var v = row.Get(from);
            if (!v.IsNull)
            {
                row.Set(to, fn(v));
            }
        }
    }
}
