using System.Globalization;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Ingest.Windows;

/// <summary>
/// Maps a Windows event to an Escudo row once, for every search: Splunk's default fields,
/// the XmlWinEventLog extractions (System properties, each EventData item by name), then the
/// add-on calculated fields, eventtypes and tags from the tables.
/// </summary>
public static class WindowsEventMapper
{
    private static readonly int EventCodeId = FieldTable.Intern("EventCode");
    private static readonly int EventTypeId = FieldTable.Intern("eventtype");
    private static readonly int TagId = FieldTable.Intern("tag");

    private static readonly Dictionary<string, FieldRule[]> RulesByChannel = WindowsFieldRules.Rules
        .GroupBy(r => r.Source, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);

    private static readonly FieldRule[] GenericRules = RulesByChannel.TryGetValue(WindowsFieldRules.AnyChannel, out var any) ? any : [];

    public static Row ToRow(WindowsEvent ev, string raw, string? sourceOverride = null, string? sourceTypeOverride = null, string? hostOverride = null, string index = "main")
    {
        var row = new Row(64);
        var channel = ev.Channel ?? string.Empty;
        var time = ParseSystemTime(ev.SystemTime);
        if (time is { } t)
        {
            row.Append(FieldTable.Time, Value.FromNumber(t));
        }

        row.Append(FieldTable.Host, Value.FromString(hostOverride ?? ev.Computer ?? "unknown"));
        row.Append(FieldTable.Source, Value.FromString(sourceOverride ?? "XmlWinEventLog:" + channel));
        row.Append(FieldTable.SourceType, Value.FromString(sourceTypeOverride ?? "XmlWinEventLog"));
        row.Append(FieldTable.Index, Value.FromString(index));
        row.Append(FieldTable.Raw, Value.FromString(raw));

        // System properties (S3 system_props_xml_kv / _attributes; S1 sysmon-* transforms).
        Add(row, "EventCode", ev.EventId);
        Add(row, "EventID", ev.EventId);
        Add(row, "Name", ev.Provider);
        Add(row, "Guid", ev.ProviderGuid);
        Add(row, "EventSourceName", ev.EventSourceName);
        Add(row, "Qualifiers", ev.Qualifiers);
        Add(row, "Version", ev.Version);
        Add(row, "Level", ev.Level);
        Add(row, "Task", ev.Task);
        Add(row, "Opcode", ev.Opcode);
        Add(row, "Keywords", ev.Keywords);
        Add(row, "SystemTime", ev.SystemTime);
        Add(row, "EventRecordID", ev.EventRecordId);
        Add(row, "RecordID", ev.EventRecordId);
        Add(row, "RecordNumber", ev.EventRecordId);
        Add(row, "ActivityID", ev.ActivityId);
        Add(row, "RelatedActivityID", ev.RelatedActivityId);
        Add(row, "ProcessID", ev.ProcessId);
        Add(row, "ThreadID", ev.ThreadId);
        Add(row, "Channel", ev.Channel);
        Add(row, "EventChannel", ev.Channel);
        Add(row, "Computer", ev.Computer);
        Add(row, "UserID", ev.UserId);
        Add(row, "SecurityID", ev.UserId);
        Add(row, "dvc_nt_host", hostOverride ?? ev.Computer);
        Add(row, "event_id", ev.EventRecordId);

        // EventData items: every <Data Name='X'>v</Data> becomes X=v (S1 [sysmon-data], S3 [eventdata_xml_data]).
        foreach (var (name, value) in ev.Data)
        {
            if (string.IsNullOrEmpty(name))
            {
                continue;
            }

            var id = FieldTable.Intern(name);
            var existing = row.Get(id);
            if (existing.IsNull)
            {
                if (value.Length > 0)
                {
                    row.Set(id, Value.FromString(value));
                }
            }
            else if (value.Length > 0)
            {
                // Repeated names (UserData lists) accumulate as a multivalue.
                row.Set(id, Value.FromMulti([.. existing.Items.ToArray(), value]));
            }
        }

        var unnamed = ev.Data.Where(d => string.IsNullOrEmpty(d.Key) && d.Value.Length > 0).Select(d => d.Value).ToList();
        if (unnamed.Count > 0)
        {
            row.SetIfAbsent(FieldTable.Intern("Data"), Value.FromMulti(unnamed));
        }

        Add(row, "EventData_Xml", ev.EventDataXml);
        Add(row, "Message", ev.Message);

        ApplyAddOns(row, channel, ev.EventId);
        return row;
    }

    /// <summary>Applies the calculated fields and eventtype tags of the add-on for this channel.</summary>
    public static void ApplyAddOns(Row row, string channel, string? eventIdText)
    {
        var code = int.TryParse(eventIdText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var c) ? c : -1;
        var plan = PlanFor(channel, code);
        Apply(row, plan.Rules);

        List<string>? eventTypes = null;
        List<string>? tags = null;
        foreach (var et in plan.EventTypes)
        {
            if (et.When is not null && !et.When(row))
            {
                continue;
            }

            eventTypes ??= [];
            tags ??= [];
            if (!eventTypes.Contains(et.Name))
            {
                eventTypes.Add(et.Name);
            }

            foreach (var t in et.Tags)
            {
                if (!tags.Contains(t))
                {
                    tags.Add(t);
                }
            }
        }

        if (eventTypes is not null)
        {
            row.Set(EventTypeId, Value.FromMulti(eventTypes));
            row.Set(TagId, Value.FromMulti(tags!));
        }
    }

    /// <summary>
    /// The rules and eventtypes that can apply to one channel and event code, in table order (the
    /// channel's own [source::...] stanza first, then the [XmlWinEventLog] sourcetype stanza),
    /// worked out once per (channel, code) instead of filtering the whole table per event.
    /// </summary>
    private sealed record MappingPlan(FieldRule[] Rules, EventTypeRule[] EventTypes);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Channel, int Code), MappingPlan> Plans = new();

    private static MappingPlan PlanFor(string channel, int code)
    {
        if (Plans.TryGetValue((channel, code), out var plan))
        {
            return plan;
        }

        var own = RulesByChannel.TryGetValue(channel, out var r) ? r : [];
        plan = new MappingPlan(
            own.Concat(GenericRules).Where(x => x.AppliesTo(code)).ToArray(),
            WindowsEventTypes.Rules.Where(et => et.Matches(channel, code)).ToArray());

        // Real logs have a few hundred channel/code pairs; a hostile input must not grow the cache without end.
        if (Plans.Count < 10_000)
        {
            Plans.TryAdd((channel, code), plan);
        }

        return plan;
    }

    private static void Apply(Row row, FieldRule[] rules)
    {
        foreach (var rule in rules)
        {
            if (row.Has(rule.TargetId))
            {
                continue;
            }

            var v = rule.Compute(row);
            if (!v.IsNull && !(v.IsString && v.RawString!.Length == 0))
            {
                row.Append(rule.TargetId, v);
            }
        }
    }

    private static void Add(Row row, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            row.Set(FieldTable.Intern(name), Value.FromString(value));
        }
    }

    /// <summary>Parses <c>2020-10-08T11:03:46.617920300Z</c> (any number of fraction digits) to epoch seconds.</summary>
    public static double? ParseSystemTime(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Length < 19)
        {
            return null;
        }

        if (!DateTime.TryParseExact(s.AsSpan(0, 19), "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
        {
            return null;
        }

        double fraction = 0;
        var i = 19;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i > start)
            {
                fraction = double.Parse("0." + s[start..Math.Min(i, start + 9)], CultureInfo.InvariantCulture);
            }
        }

        var epoch = (dt - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
        return Math.Round(epoch + fraction, 6);
    }
}
