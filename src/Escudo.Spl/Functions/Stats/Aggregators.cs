using System.Globalization;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Stats;

// Stats function states. Rules from
// https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Aggregatefunctions :
// multivalue fields contribute each value; numeric functions ignore values that are not numbers;
// min/max compare numerically when values are numbers and lexicographically otherwise; values()
// is distinct and lexicographically sorted; list() keeps order and at most 100 values.

internal sealed class CountAggregator : Aggregator
{
    private long _n;

    public override void Add(Value value, double time)
    {
        if (!value.IsNull)
        {
            _n += value.Count;
        }
    }

    public override Value Result() => Value.FromNumber(_n);

    public override void Write(BinaryWriter writer) => writer.Write(_n);

    public override void Merge(BinaryReader reader) => _n += reader.ReadInt64();
}

/// <summary>
/// The distinct items of a field, for dc() and values(). Most groups see a single distinct value,
/// so it is held inline and a set is made only when a second one arrives.
/// </summary>
internal abstract class DistinctItemsAggregator : Aggregator
{
    private string? _single;

    protected ISet<string>? Set { get; private set; }

    protected string? Single => _single;

    protected abstract ISet<string> NewSet();

    public override void Add(Value value, double time)
    {
        if (value.Kind == ValueKind.Multi)
        {
            foreach (var item in value.Items)
            {
                AddItem(item);
            }
        }
        else if (!value.IsNull)
        {
            AddItem(value.Kind == ValueKind.String ? value.RawString! : value.ToDisplayString());
        }
    }

    private void AddItem(string item)
    {
        if (Set is not null)
        {
            Set.Add(item);
        }
        else if (_single is null)
        {
            _single = item;
        }
        else if (!string.Equals(_single, item, StringComparison.Ordinal))
        {
            Set = NewSet();
            Set.Add(_single);
            Set.Add(item);
        }
    }

    public override void Write(BinaryWriter writer) =>
        WriteItems(writer, Set is not null ? [.. Set] : _single is null ? [] : [_single]);

    public override void Merge(BinaryReader reader) => ReadItems(reader, AddItem);
}

internal sealed class DistinctCountAggregator : DistinctItemsAggregator
{
    protected override ISet<string> NewSet() => new HashSet<string>(StringComparer.Ordinal);

    public override Value Result() => Value.FromNumber(Set?.Count ?? (Single is null ? 0 : 1));
}

internal sealed class ValuesAggregator : DistinctItemsAggregator
{
    protected override ISet<string> NewSet() => new SortedSet<string>(StringComparer.Ordinal);

    public override Value Result() => Value.FromMulti(Set is not null ? [.. Set] : Single is null ? [] : [Single]);
}

internal sealed class ListAggregator : Aggregator
{
    private const int Limit = 100;
    private readonly List<string> _values = [];

    public override void Add(Value value, double time)
    {
        foreach (var item in value.Items)
        {
            if (_values.Count < Limit)
            {
                _values.Add(item);
            }
        }
    }

    public override Value Result() => Value.FromMulti(_values);

    public override void Write(BinaryWriter writer) => WriteItems(writer, _values);

    public override void Merge(BinaryReader reader) => ReadItems(reader, item =>
    {
        if (_values.Count < Limit)
        {
            _values.Add(item);
        }
    });
}

internal sealed class ExtremeAggregator(bool max) : Aggregator
{
    private double _num = double.NaN;
    private string? _str;

    public override void Add(Value value, double time)
    {
        if (value.IsNumber)
        {
            Take(value.RawNumber);
            return;
        }

        if (value.Kind == ValueKind.String)
        {
            TakeItem(value.RawString!); // without the items array a single value would need
            return;
        }

        foreach (var item in value.Items)
        {
            TakeItem(item);
        }
    }

    private void TakeItem(string item)
    {
        if (Value.TryParseNumber(item, out var d))
        {
            Take(d);
        }
        else if (_str is null || (string.CompareOrdinal(item, _str) > 0) == max)
        {
            _str = item;
        }
    }

    private void Take(double d)
    {
        if (double.IsNaN(_num) || (max ? d > _num : d < _num))
        {
            _num = d;
        }
    }

    // Numbers win over strings: a field with both reports the numeric extreme.
    public override Value Result() => !double.IsNaN(_num) ? Value.FromNumber(_num) : Value.FromString(_str);

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_num);
        writer.Write(_str is not null);
        if (_str is not null)
        {
            writer.Write(_str);
        }
    }

    public override void Merge(BinaryReader reader)
    {
        var num = reader.ReadDouble();
        if (!double.IsNaN(num))
        {
            Take(num);
        }

        if (reader.ReadBoolean())
        {
            var str = reader.ReadString();
            if (_str is null || (string.CompareOrdinal(str, _str) > 0) == max)
            {
                _str = str;
            }
        }
    }
}

/// <summary>sum(), or with <paramref name="squares"/> sumsq(): the sum of the numbers, or of their squares.</summary>
internal sealed class SumAggregator(bool squares = false) : Aggregator
{
    private double _sum;
    private bool _any;

    public override void Add(Value value, double time)
    {
        foreach (var d in Numbers(value))
        {
            _sum += squares ? d * d : d;
            _any = true;
        }
    }

    internal static IEnumerable<double> Numbers(Value value)
    {
        if (value.IsNumber)
        {
            yield return value.RawNumber;
            yield break;
        }

        foreach (var item in value.Items.ToArray())
        {
            if (Value.TryParseNumber(item, out var d))
            {
                yield return d;
            }
        }
    }

    public override Value Result() => _any ? Value.FromNumber(_sum) : Value.Null;

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_sum);
        writer.Write(_any);
    }

    public override void Merge(BinaryReader reader)
    {
        _sum += reader.ReadDouble();
        _any |= reader.ReadBoolean();
    }
}

internal enum MomentKind
{
    Mean,
    SampleStdev,
    PopulationStdev,
    SampleVariance,
    PopulationVariance,
}

/// <summary>Mean, variance and standard deviation from the count, sum and sum of squares, as Splunk shows them.</summary>
internal sealed class MomentAggregator(MomentKind kind) : Aggregator
{
    // A plain running sum and sum of squares, as Splunk computes them: the Aggregate functions page
    // shows avg over 100 copies of 3.99 as 3.9900000000000055 (the double of a left-to-right sum
    // divided by 100) and stdev of its temperature week as 12.615183595289349, the double of
    // sqrt((sumsq - n*mean*mean)/(n-1)); a compensated mean gives 3.99 and ...333.
    // https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/statistical-and-charting-functions/aggregate-functions
    private long _n;
    private double _sum;
    private double _sumSquares;

    public override void Add(Value value, double time)
    {
        foreach (var d in SumAggregator.Numbers(value))
        {
            _n++;
            _sum += d;
            _sumSquares += d * d;
        }
    }

    public override Value Result()
    {
        if (_n == 0)
        {
            return Value.Null;
        }

        var mean = _sum / _n;
        // Rounding can leave the difference a hair below zero for equal values; no spread is zero.
        var spread = Math.Max(0, _sumSquares - (_n * mean * mean));
        return kind switch
        {
            MomentKind.Mean => Value.FromNumber(mean),
            MomentKind.SampleVariance => _n > 1 ? Value.FromNumber(spread / (_n - 1)) : Value.Null,
            MomentKind.PopulationVariance => Value.FromNumber(spread / _n),
            MomentKind.SampleStdev => _n > 1 ? Value.FromNumber(Math.Sqrt(spread / (_n - 1))) : Value.Null,
            _ => Value.FromNumber(Math.Sqrt(spread / _n)),
        };
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_n);
        writer.Write(_sum);
        writer.Write(_sumSquares);
    }

    /// <summary>Sums of two parts add.</summary>
    public override void Merge(BinaryReader reader)
    {
        _n += reader.ReadInt64();
        _sum += reader.ReadDouble();
        _sumSquares += reader.ReadDouble();
    }
}

internal sealed class RangeAggregator : Aggregator
{
    private double _min = double.PositiveInfinity;
    private double _max = double.NegativeInfinity;

    public override void Add(Value value, double time)
    {
        foreach (var d in SumAggregator.Numbers(value))
        {
            _min = Math.Min(_min, d);
            _max = Math.Max(_max, d);
        }
    }

    public override Value Result() => double.IsInfinity(_min) ? Value.Null : Value.FromNumber(_max - _min);

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_min);
        writer.Write(_max);
    }

    public override void Merge(BinaryReader reader)
    {
        _min = Math.Min(_min, reader.ReadDouble());
        _max = Math.Max(_max, reader.ReadDouble());
    }
}

/// <summary>
/// Percentiles: Splunk's perc/upperperc/exactperc and median. Values are kept (exactly, which is
/// Splunk's exactperc); the nearest-rank rule below is Splunk's documented default for perc.
/// </summary>
internal sealed class PercentileAggregator(double percentile) : Aggregator
{
    private readonly List<double> _values = [];

    public override void Add(Value value, double time) => _values.AddRange(SumAggregator.Numbers(value));

    public override Value Result()
    {
        if (_values.Count == 0)
        {
            return Value.Null;
        }

        _values.Sort();
        var n = _values.Count;
        // Linear interpolation between closest ranks (Splunk: "perc ... interpolates between values").
        var rank = percentile / 100.0 * (n - 1);
        var lo = (int)Math.Floor(rank);
        var hi = (int)Math.Ceiling(rank);
        var v = _values[lo] + ((_values[hi] - _values[lo]) * (rank - lo));
        return Value.FromNumber(v);
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_values.Count);
        foreach (var d in _values)
        {
            writer.Write(d);
        }
    }

    public override void Merge(BinaryReader reader)
    {
        var n = reader.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            _values.Add(reader.ReadDouble());
        }
    }
}

internal sealed class ModeAggregator : Aggregator
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public override void Add(Value value, double time)
    {
        foreach (var item in value.Items)
        {
            if (_counts.TryGetValue(item, out var c))
            {
                _counts[item] = c + 1;
            }
            else
            {
                _counts[item] = 1;
                _order.Add(item);
            }
        }
    }

    public override Value Result()
    {
        string? best = null;
        var bestCount = 0;
        foreach (var item in _order)
        {
            if (_counts[item] > bestCount)
            {
                best = item;
                bestCount = _counts[item];
            }
        }

        return Value.FromString(best);
    }

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_order.Count);
        foreach (var item in _order)
        {
            writer.Write(item);
            writer.Write(_counts[item]);
        }
    }

    public override void Merge(BinaryReader reader)
    {
        var n = reader.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            var item = reader.ReadString();
            var count = reader.ReadInt32();
            if (_counts.TryGetValue(item, out var c))
            {
                _counts[item] = c + count;
            }
            else
            {
                _counts[item] = count;
                _order.Add(item);
            }
        }
    }
}

internal sealed class FirstLastAggregator(bool last) : Aggregator
{
    private Value _value;
    private bool _set;

    public override void Add(Value value, double time)
    {
        if (value.IsNull)
        {
            return;
        }

        if (!_set || last)
        {
            _value = value;
            _set = true;
        }
    }

    public override Value Result() => _value;

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_set);
        ValueBinary.Write(writer, _value);
    }

    public override void Merge(BinaryReader reader)
    {
        var set = reader.ReadBoolean();
        var value = ValueBinary.Read(reader);
        if (set && (!_set || last))
        {
            _value = value;
            _set = true;
        }
    }
}

internal sealed class TimeExtremeAggregator(bool latest, bool returnTime) : Aggregator
{
    private Value _value;
    private double _time = double.NaN;

    public override void Add(Value value, double time)
    {
        if (value.IsNull)
        {
            return;
        }

        if (double.IsNaN(_time) || (latest ? time >= _time : time < _time))
        {
            _time = time;
            _value = value;
        }
    }

    public override Value Result() => returnTime ? (double.IsNaN(_time) ? Value.Null : Value.FromNumber(_time)) : _value;

    public override void Write(BinaryWriter writer)
    {
        writer.Write(_time);
        ValueBinary.Write(writer, _value);
    }

    public override void Merge(BinaryReader reader)
    {
        var time = reader.ReadDouble();
        var value = ValueBinary.Read(reader);
        if (!double.IsNaN(time) && (double.IsNaN(_time) || (latest ? time >= _time : time < _time)))
        {
            _time = time;
            _value = value;
        }
    }
}

internal static class PercentileName
{
    /// <summary>Reads the percentile from names like perc95, p95, exactperc99, upperperc75, percentile90.</summary>
    public static double? Parse(string name)
    {
        foreach (var prefix in new[] { "percentile", "exactperc", "upperperc", "perc", "p" })
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(name.AsSpan(prefix.Length), NumberStyles.Float, CultureInfo.InvariantCulture, out var p)
                && p >= 0 && p <= 100)
            {
                return p;
            }
        }

        return null;
    }
}

internal sealed class SparklineAggregator : Aggregator
{
    private long _n;

    public override void Add(Value value, double time) => _n++;

    public override Value Result() => Value.FromMulti(["##__SPARKLINE__##", _n.ToString(CultureInfo.InvariantCulture)]);

    public override void Write(BinaryWriter writer) => writer.Write(_n);

    public override void Merge(BinaryReader reader) => _n += reader.ReadInt64();
}
