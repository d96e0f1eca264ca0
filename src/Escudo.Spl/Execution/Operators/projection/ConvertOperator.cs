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
/// Each function takes a &lt;wc-field&gt;: "You can use a wildcard ( * ) character to specify all fields",
/// and none(&lt;wc-field&gt;) names fields that, "in the presence of other wildcards", are not converted
/// (convert auto(*) none(src_ip)); https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/convert
/// </summary>
internal sealed class ConvertOperator : InPlaceOperator
{
    private readonly List<(int From, int To, Func<Value, Value> Fn)> _steps = [];
    private readonly List<(FieldPattern Pattern, string? Alias, Func<Value, Value> Fn)> _wildcardSteps = [];
    private readonly List<FieldPattern> _none = [];
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
            if (f.Function == "none")
            {
                _none.Add(new FieldPattern(f.Field));
            }
            else if (f.Field.Contains('*', StringComparison.Ordinal))
            {
                _wildcardSteps.Add((new FieldPattern(f.Field), f.Alias, fn));
            }
            else
            {
                _steps.Add((FieldTable.Intern(f.Field), FieldTable.Intern(f.Alias ?? f.Field), fn));
            }
        }

        _description = "convert " + string.Join(", ", c.Functions.Select(f => $"{f.Function}({f.Field})"));
    }

    public override string Describe() => _description;

    protected override void Map(Row row)
    {
        if (_wildcardSteps.Count > 0)
        {
            MapWildcards(row);
        }

        foreach (var (from, to, fn) in _steps)
        {
            var v = row.Get(from);
            if (!v.IsNull)
            {
                row.Set(to, fn(v));
            }
        }
    }

    /// <summary>The wildcard functions over the fields the row has when convert reaches it, none() left out.</summary>
    private void MapWildcards(Row row)
    {
        var names = Enumerable.Range(0, row.Count).Select(row.NameAt).ToArray();
        foreach (var (pattern, alias, fn) in _wildcardSteps)
        {
            foreach (var name in names)
            {
                if (!pattern.IsMatch(name) || _none.Any(n => n.IsMatch(name)))
                {
                    continue;
                }

                var v = row.Get(name);
                if (!v.IsNull)
                {
                    row.Set(FieldTable.Intern(alias is null ? name : pattern.Rewrite(name, alias) ?? alias), fn(v));
                }
            }
        }
    }
}
