using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>bin/bucket: _time floored to the span (1h, 1d); other numbers become the range "low-high" of their bucket, or of their power of the base with a log span (span=log2).</summary>
internal sealed class BinOperator : InPlaceOperator
{
    private readonly int _from;
    private readonly int _to;
    private readonly double _span;
    private readonly bool _snapDays;
    private readonly LogSpan? _log;
    private readonly string _description;

    public BinOperator(BinCommand b, SearchContext context)
    {
        _from = FieldTable.Intern(b.Field);
        _to = FieldTable.Intern(b.Alias ?? b.Field);
        var spanText = b.SpanText ?? throw new ArgumentException("bin without span= is InferredSpanBinOperator's", nameof(b));

        if (b.Field != "_time" && LogSpan.TryParse(spanText, b.Span, context) is { } log)
        {
            _log = log;
        }
        else if (b.Field == "_time" || spanText.Any(char.IsAsciiLetter))
        {
            _span = Durations.Parse(spanText) ?? throw new DiagnosticException(SplDiagnostics.BadArguments("bin", b.Span, $"bad span `{spanText}`"));
            if (!(_span > 0) || !double.IsFinite(_span))
            {
                // A bin of no width holds nothing: every value would become NaN and vanish.
                throw new DiagnosticException(SplDiagnostics.BadArguments("bin", b.Span, $"span must be greater than zero, not `{spanText}`"));
            }

            _snapDays = _span >= 86400;
        }
        else if (!double.TryParse(spanText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _span) || _span <= 0)
        {
            throw new DiagnosticException(SplDiagnostics.BadArguments("bin", b.Span, $"bad span `{spanText}`"));
        }

        _description = $"bin {b.Field} span={spanText}";
    }

    public override string Describe() => _description;

    protected override void Map(Row row)
    {
        if (!row.Get(_from).TryGetNumber(out var v))
        {
            return;
        }

        if (_log is not null)
        {
            if (_log.Bin(v) is { } range)
            {
                row.Set(_to, Value.FromString(range));
            }

            return;
        }

        double binned;
        if (_snapDays && _from == FieldTable.Time)
        {
            // Day spans snap to midnight in the search time zone.
            if (!SearchTimeZone.TryToLocal(v, out var localTime))
            {
                return; // no calendar day for a time outside the years 1 to 9999
            }

            var local = localTime.Date;
            var days = Math.Floor((local - DateTime.UnixEpoch.Date).TotalDays / (_span / 86400)) * (_span / 86400);
            binned = SearchTimeZone.FromLocal(DateTime.UnixEpoch.Date.AddDays(days));
        }
        else
        {
            binned = Math.Floor(v / _span) * _span;
        }

        // A number other than _time falls in a range written "low-high", as Splunk's bin shows
        // it (bin amount span=10 gives 10-20); _time stays a number, the start of its bucket.
        row.Set(_to, _from == FieldTable.Time ? Value.FromNumber(binned) : Value.FromString(Value.FromNumber(binned).ToDisplayString() + "-" + Value.FromNumber(binned + _span).ToDisplayString()));
    }
}
