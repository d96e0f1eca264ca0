using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Content;
using Escudo.Detections.Output;

namespace Escudo.Server.Scheduling;

/// <summary>Gives a scheduled run's notable or risk event its place in the store.</summary>
internal static class AlertStamp
{
    /// <summary>Index, ES's stash sourcetype, the rule as source, the contributing events' references, its JSON as _raw.</summary>
    public static Row Stamp(Row alert, string index, Detection d, double scheduled)
    {
        alert.Set("orig_scheduled", Value.FromNumber(scheduled));
        alert.Set(FieldTable.Index, Value.FromString(index));
        alert.Set(FieldTable.SourceType, Value.FromString("stash"));
        alert.Set(FieldTable.Source, Value.FromString(AlertBuilder.SearchName(d)));
        if (alert.Get(FieldTable.Host).IsNull)
        {
            alert.Set(FieldTable.Host, Value.FromString("escudo"));
        }

        // The events behind the alert, as hunt's escudo_evidence but one JSON object per value (a
        // stored field holds text): HEC source, host, channel, store row id and event time.
        if (Evidence.Of(alert) is { Refs.Length: > 0 } evidence)
        {
            var refs = new string[evidence.Refs.Length];
            for (var i = 0; i < refs.Length; i++)
            {
                refs[i] = ResultJson.RefJson(evidence.Refs[i]);
            }

            alert.Set("escudo_evidence", Value.FromMulti(refs));
        }

        alert.Set(FieldTable.Raw, Value.FromString(ResultJson.ToJsonLine(alert)));
        return alert;
    }
}
