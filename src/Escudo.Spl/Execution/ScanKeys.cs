using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution;

/// <summary>
/// Cheap keys for the shared pass: a search's necessary condition on one of a few indexed fields
/// (EventCode, EventID, source, sourcetype, Channel), as a set of <c>field:value</c> keys. An event
/// can only match the search if one of its own keys is in the set, so most searches are never
/// evaluated on most events.
/// </summary>
public static class ScanKeys
{
    public static readonly string[] IndexedFields = ["EventCode", "EventID", "source", "sourcetype", "Channel"];

    private static readonly int[] IndexedIds = IndexedFields.Select(FieldTable.Intern).ToArray();

    public static string Key(string field, string value) =>
        field + ":" + (Value.TryParseNumber(value, out var d) && !value.Contains(' ') ? Value.FormatNumber(d) : value.ToLowerInvariant());

    /// <summary>The keys of an event: one per value of each indexed field.</summary>
    public static void EventKeys(Row row, List<string> into)
    {
        into.Clear();
        for (var i = 0; i < IndexedIds.Length; i++)
        {
            var v = row.Get(IndexedIds[i]);
            foreach (var item in v.Items)
            {
                into.Add(Key(IndexedFields[i], item));
            }
        }
    }

    /// <summary>
    /// Key ids by indexed field and value, so an event's keys are looked up without building the
    /// <c>field:value</c> strings: values are matched ignoring case, numbers after formatting.
    /// </summary>
    public sealed class KeyIndex
    {
        private readonly Dictionary<string, int>[] _byField = [.. IndexedFields.Select(_ => new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase))];

        public int Count { get; private set; }

        /// <summary>The id of a key made by <see cref="Key"/>, added if new.</summary>
        public int Add(string key)
        {
            var colon = key.IndexOf(':', StringComparison.Ordinal);
            var field = Array.IndexOf(IndexedFields, key[..colon]);
            var values = _byField[field];
            if (!values.TryGetValue(key[(colon + 1)..], out var id))
            {
                id = Count++;
                values[key[(colon + 1)..]] = id;
            }

            return id;
        }

        /// <summary>The ids of the event's keys that some search needs.</summary>
        public void EventKeyIds(Row row, List<int> into)
        {
            into.Clear();
            for (var i = 0; i < IndexedIds.Length; i++)
            {
                var values = _byField[i];
                if (values.Count == 0)
                {
                    continue;
                }

                var v = row.Get(IndexedIds[i]);
                if (v.IsNull)
                {
                    continue;
                }

                if (v.Kind == ValueKind.String)
                {
                    Look(values, v.RawString!, into);
                    continue;
                }

                foreach (var item in v.Items)
                {
                    Look(values, item, into);
                }
            }
        }

        /// <summary>Digits without a leading zero: a number already written as Value.FormatNumber writes it, so a second look would find nothing new.</summary>
        private static bool IsCanonicalInteger(string item)
        {
            if (item.Length == 0 || item.Length > 15 || (item[0] == '0' && item.Length > 1))
            {
                return false;
            }

            foreach (var c in item)
            {
                if (c is < '0' or > '9')
                {
                    return false;
                }
            }

            return true;
        }

        private static void Look(Dictionary<string, int> values, string item, List<int> into)
        {
            // Stored values are lower-cased text or formatted numbers (see Key); a number written
            // another way (04688, 1.0) is formatted before the second look.
            if (values.TryGetValue(item, out var id)
                || (!IsCanonicalInteger(item) && Value.TryParseNumber(item, out var d) && !item.Contains(' ') && values.TryGetValue(Value.FormatNumber(d), out id)))
            {
                into.Add(id);
            }
        }
    }

    /// <summary>A set of keys one of which every matching event must have, or null when none can be derived.</summary>
    public static HashSet<string>? Required(SearchExpr e)
    {
        switch (e)
        {
            case SearchCompare c when c.Op == "=" && Indexed(c.Field) && IsLiteral(c.Value):
                return [Key(c.Field, c.Value)];
            case SearchIn i when Indexed(i.Field) && i.Values.All(IsLiteral) && i.Values.Count > 0:
                return i.Values.Select(v => Key(i.Field, v)).ToHashSet(StringComparer.Ordinal);
            case SearchOr or:
                {
                    var union = new HashSet<string>(StringComparer.Ordinal);
                    foreach (var t in or.Terms)
                    {
                        var k = Required(t);
                        if (k is null)
                        {
                            return null;
                        }

                        union.UnionWith(k);
                    }

                    return union;
                }

            case SearchAnd and:
                {
                    HashSet<string>? best = null;
                    var bestRank = int.MaxValue;
                    foreach (var t in and.Terms)
                    {
                        var k = Required(t);
                        if (k is null)
                        {
                            continue;
                        }

                        // Event codes are the most selective keys; among equals, the smaller set.
                        var rank = (k.All(x => x.StartsWith("EventCode:", StringComparison.Ordinal) || x.StartsWith("EventID:", StringComparison.Ordinal)) ? 0 : 1_000_000) + k.Count;
                        if (rank < bestRank)
                        {
                            best = k;
                            bestRank = rank;
                        }
                    }

                    return best;
                }

            default:
                return null;
        }
    }

    private static bool Indexed(string field) => Array.IndexOf(IndexedFields, field) >= 0;

    // A value with a wildcard or a CIDR range is not a single key.
    private static bool IsLiteral(string v) => v.Length > 0 && !v.Contains('*') && !(v.Contains('/') && System.Net.IPNetwork.TryParse(v, out _));
}
