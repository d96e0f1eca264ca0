using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Core.DataModels;

/// <summary>
/// Turns an event (with its search-time fields and <c>tag</c> values) into data model rows: the
/// event belongs to a dataset when it carries every required tag and passes the extra
/// constraint; the row holds the dataset's fields under the root prefix, with CIM's defaults.
/// </summary>
public static class DataModelMapper
{
    private static readonly int TagId = FieldTable.Intern("tag");
    private static readonly int[] DefaultFieldIds = [FieldTable.Time, FieldTable.Host, FieldTable.Source, FieldTable.SourceType, FieldTable.Index];

    public static bool Matches(DataModelDataset dataset, Row ev)
    {
        if (dataset.RequiredTags.Count > 0)
        {
            var tags = ev.Get(TagId);
            if (tags.IsNull)
            {
                return false;
            }

            foreach (var required in dataset.RequiredTags)
            {
                if (!Contains(tags, required))
                {
                    return false;
                }
            }
        }

        return dataset.ExtraConstraint is null || dataset.ExtraConstraint(ev);
    }

    private static bool Contains(Value tags, string tag)
    {
        foreach (var t in tags.Items)
        {
            if (t.Equals(tag, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static Row Project(DataModelDataset dataset, Row ev)
    {
        var ids = PrefixedIds(dataset);
        var fields = dataset.Fields;
        var row = new Row(fields.Count + DefaultFieldIds.Length + 2);
        foreach (var id in DefaultFieldIds)
        {
            var v = ev.Get(id);
            if (!v.IsNull)
            {
                row.Append(id, v);
            }
        }

        for (var i = 0; i < fields.Count; i++)
        {
            var f = fields[i];
            var v = f.Calculation is null ? ev.Get(f.EventFieldId) : f.Calculation(ev);
            if ((v.IsNull || (v.IsString && v.RawString!.Length == 0)) && f.Default is not null)
            {
                v = Value.FromString(f.Default);
            }

            if (!v.IsNull)
            {
                row.Set(ids[i], v);
            }
        }

        var tag = ev.Get(TagId);
        if (!tag.IsNull)
        {
            row.Set(PrefixedTagId(dataset), tag);
        }

        row.CopyProvenance(ev); // a data model row stands for its event
        return row;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<DataModelDataset, int[]> IdCache = new();

    private static int[] PrefixedIds(DataModelDataset dataset) =>
        IdCache.GetValue(dataset, ds => ds.Fields.Select(f => FieldTable.Intern(ds.Prefix + "." + f.Name)).ToArray());

    private static int PrefixedTagId(DataModelDataset dataset) => FieldTable.Intern(dataset.Prefix + ".tag");
}
