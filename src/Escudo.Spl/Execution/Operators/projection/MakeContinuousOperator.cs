using System.Globalization;
using Escudo.Core.Diagnostics;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// <c>makecontinuous [&lt;field&gt;] span=&lt;span&gt; [start=&lt;num&gt;] [end=&lt;num&gt;]</c>: "makes a field
/// on the x-axis numerically continuous by adding empty buckets for periods where there is no
/// data and quantifying the periods where there is data"; "data outside of the [start, end] range
/// is discarded" (https://help.splunk.com/splunk-cloud-platform/spl-search-reference/10.0.2503/search-commands/makecontinuous).
/// Each value is floored to its bucket, the results come out in bucket order, and every bucket
/// between the first and the last that holds none gets a result with only the field. The
/// results are held (up to the row limit), and so are the buckets added.
/// </summary>
internal sealed class MakeContinuousOperator(int fieldId, string field, double span, double? start, double? end, long maxRows) : Operator
{
    public override bool Mutates => true;

    public override string Describe() => $"makecontinuous {field} span={span.ToString(CultureInfo.InvariantCulture)}";

    public static Operator Plan(MakeContinuousCommand m, long maxRows)
    {
        double? span = null;
        double? start = null;
        double? end = null;
        foreach (var o in m.Options)
        {
            switch (o.Key.ToLowerInvariant())
            {
                case "span":
                    span = o.Value.Any(char.IsAsciiLetter) ? Durations.Parse(o.Value) : Number(o);
                    if (span is not > 0 || !double.IsFinite(span.Value))
                    {
                        throw Bad(o.Span, $"span must be a number or a time span greater than zero, not `{o.Value}`");
                    }

                    break;
                case "start":
                    start = Number(o);
                    break;
                case "end":
                    end = Number(o);
                    break;
                default:
                    // bins= and log spans choose their buckets by rules this engine does not follow.
                    throw Bad(o.Span, $"option `{o.Key}` is not supported; give span=");
            }
        }

        if (span is null)
        {
            throw Bad(m.Span, "needs span=<span>");
        }

        return new MakeContinuousOperator(FieldTable.Intern(m.Field), m.Field, span.Value, start, end, maxRows);
    }

    private static double Number(CommandOption o) =>
        double.TryParse(o.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : throw Bad(o.Span, $"`{o.Key}` takes a number, not `{o.Value}`");

    private static DiagnosticException Bad(Core.Text.TextSpan span, string why) => new(SplDiagnostics.BadArguments("makecontinuous", span, why));

    public override IEnumerable<Row> Execute(IEnumerable<Row> input)
    {
        var buckets = new SortedDictionary<long, List<Row>>();
        var without = new List<Row>();
        long held = 0;
        foreach (var row in input)
        {
            if (++held > maxRows)
            {
                throw new SearchLimitException($"makecontinuous holds more than {maxRows} results; narrow the search");
            }

            if (!row.Get(fieldId).TryGetNumber(out var v))
            {
                without.Add(row);
                continue;
            }

            if ((start is { } s && v < s) || (end is { } e && v > e))
            {
                continue;
            }

            var index = (long)Math.Floor(v / span);
            row.Set(fieldId, Value.FromNumber(index * span));
            if (!buckets.TryGetValue(index, out var list))
            {
                buckets[index] = list = [];
            }

            list.Add(row);
        }

        if (buckets.Count > 0)
        {
            var first = buckets.Keys.First();
            var last = buckets.Keys.Last();
            if (last - first + 1 - buckets.Count > maxRows - held)
            {
                throw new SearchLimitException($"makecontinuous would add {last - first + 1 - buckets.Count} empty buckets, more than the row limit allows; use a larger span");
            }

            for (var i = first; i <= last; i++)
            {
                if (buckets.TryGetValue(i, out var rows))
                {
                    foreach (var r in rows)
                    {
                        yield return r;
                    }

                    continue;
                }

                var empty = new Row(2);
                empty.Set(fieldId, Value.FromNumber(i * span));
                yield return empty;
            }
        }

        foreach (var r in without)
        {
            yield return r;
        }
    }
}
