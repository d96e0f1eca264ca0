using System.Globalization;
using System.Net;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution;

/// <summary>
/// How the search language compares a field with a written value
/// (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search):
/// a CIDR value (<c>10.0.0.0/8</c>) matches IP addresses in the range; anything else, numbers included,
/// matches as text, case-insensitively with <c>*</c> wildcards over the whole value: "Comparison
/// expressions with the equal ( = ) or not equal ( != ) operator compare string values. For example,
/// "1" does not match "1.0"" (https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/search-commands/search).
/// A multivalue field matches when any value does.
/// </summary>
internal sealed class ValueMatcher
{
    private readonly WildcardPattern _pattern;
    private readonly IPNetwork? _network;

    public ValueMatcher(string written)
    {
        Written = written;
        _pattern = new WildcardPattern(written);
        if (!_pattern.HasWildcard)
        {
            if (written.Contains('/') && IPNetwork.TryParse(written, out var net))
            {
                _network = net;
            }
        }
    }

    public string Written { get; }

    public bool IsCidr => _network is not null;

    public bool MatchesItem(string item)
    {
        if (_network is { } net)
        {
            // A CIDR value matches only addresses inside the network, never the literal text
            // (https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search , CIDR matching).
            return IPAddress.TryParse(item.AsSpan().Trim(), out var ip) && ip.AddressFamily == net.BaseAddress.AddressFamily && net.Contains(ip);
        }

        return _pattern.IsMatch(item);
    }

    public bool Matches(Value v)
    {
        switch (v.Kind)
        {
            case ValueKind.Null:
                return false;
            case ValueKind.String:
                return MatchesItem(v.RawString!);
            case ValueKind.Multi:
                foreach (var item in v.Items)
                {
                    if (MatchesItem(item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return MatchesItem(v.ToDisplayString());
        }
    }

    /// <summary>Ordering comparison for &lt; &lt;= &gt; &gt;=: numeric when both sides are numbers, else string order.</summary>
    public static bool CompareOrdered(Value v, string written, string op)
    {
        foreach (var item in v.Items)
        {
            int cmp;
            if (Value.TryParseNumber(item, out var a) && Value.TryParseNumber(written, out var b))
            {
                cmp = a.CompareTo(b);
            }
            else
            {
                cmp = string.Compare(item, written, StringComparison.OrdinalIgnoreCase);
            }

            var ok = op switch
            {
                "<" => cmp < 0,
                "<=" => cmp <= 0,
                ">" => cmp > 0,
                ">=" => cmp >= 0,
                _ => false,
            };
            if (ok)
            {
                return true;
            }
        }

        return false;
    }

    public override string ToString() => Written.ToString(CultureInfo.InvariantCulture);
}
