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
    private static readonly int DataId = FieldTable.Intern("Data");

    private static readonly Dictionary<string, FieldRule[]> RulesByChannel = WindowsFieldRules.Rules
        .GroupBy(r => r.Source, StringComparer.OrdinalIgnoreCase)
        .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);

    private static readonly FieldRule[] GenericRules = RulesByChannel.TryGetValue(WindowsFieldRules.AnyChannel, out var any) ? any : [];

    public static Row ToRow(WindowsEvent ev, string raw, string? sourceOverride = null, string? sourceTypeOverride = null, string? hostOverride = null, string index = "main")
    {
        // Defaults, System properties, EventData and the add-ons' fields (which grow with the
        // EventData): sized so a Sysmon or Security event is not copied to a larger row midway.
        var row = new Row(48 + (ev.Data.Count * 2));
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
        Add(row, Ids.EventCode, ev.EventId);
        Add(row, Ids.EventID, ev.EventId);
        Add(row, Ids.Name, ev.Provider);
        Add(row, Ids.Guid, ev.ProviderGuid);
        Add(row, Ids.EventSourceName, ev.EventSourceName);
        Add(row, Ids.Qualifiers, ev.Qualifiers);
        Add(row, Ids.Version, ev.Version);
        Add(row, Ids.Level, ev.Level);
        Add(row, Ids.Task, ev.Task);
        Add(row, Ids.Opcode, ev.Opcode);
        Add(row, Ids.Keywords, ev.Keywords);
        Add(row, Ids.SystemTime, ev.SystemTime);
        Add(row, Ids.EventRecordID, ev.EventRecordId);
        Add(row, Ids.RecordID, ev.EventRecordId);
        Add(row, Ids.RecordNumber, ev.EventRecordId);
        Add(row, Ids.ActivityID, ev.ActivityId);
        Add(row, Ids.RelatedActivityID, ev.RelatedActivityId);
        Add(row, Ids.ProcessID, ev.ProcessId);
        Add(row, Ids.ThreadID, ev.ThreadId);
        Add(row, Ids.Channel, ev.Channel);
        Add(row, Ids.EventChannel, ev.Channel);
        Add(row, Ids.Computer, ev.Computer);
        Add(row, Ids.UserID, ev.UserId);
        Add(row, Ids.SecurityID, ev.UserId);
        Add(row, Ids.dvcnthost, hostOverride ?? ev.Computer);
        Add(row, Ids.eventid, ev.EventRecordId);

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

        // Built only when there are unnamed items: a list per event showed in the profile of a hunt.
        List<string>? unnamed = null;
        foreach (var (name, value) in ev.Data)
        {
            if (string.IsNullOrEmpty(name) && value.Length > 0)
            {
                (unnamed ??= []).Add(value);
            }
        }

        if (unnamed is not null)
        {
            row.SetIfAbsent(DataId, Value.FromMulti(unnamed));
        }

        Add(row, Ids.EventDataXml, ev.EventDataXml);
        Add(row, Ids.Message, ev.Message);

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

    private static void Add(Row row, int id, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            row.Set(id, Value.FromString(value));
        }
    }

    /// <summary>Field ids of the System properties, interned once rather than looked up by name for every event.</summary>
    private static class Ids
    {
        public static readonly int EventCode = FieldTable.Intern("EventCode");
        public static readonly int EventID = FieldTable.Intern("EventID");
        public static readonly int Name = FieldTable.Intern("Name");
        public static readonly int Guid = FieldTable.Intern("Guid");
        public static readonly int EventSourceName = FieldTable.Intern("EventSourceName");
        public static readonly int Qualifiers = FieldTable.Intern("Qualifiers");
        public static readonly int Version = FieldTable.Intern("Version");
        public static readonly int Level = FieldTable.Intern("Level");
        public static readonly int Task = FieldTable.Intern("Task");
        public static readonly int Opcode = FieldTable.Intern("Opcode");
        public static readonly int Keywords = FieldTable.Intern("Keywords");
        public static readonly int SystemTime = FieldTable.Intern("SystemTime");
        public static readonly int EventRecordID = FieldTable.Intern("EventRecordID");
        public static readonly int RecordID = FieldTable.Intern("RecordID");
        public static readonly int RecordNumber = FieldTable.Intern("RecordNumber");
        public static readonly int ActivityID = FieldTable.Intern("ActivityID");
        public static readonly int RelatedActivityID = FieldTable.Intern("RelatedActivityID");
        public static readonly int ProcessID = FieldTable.Intern("ProcessID");
        public static readonly int ThreadID = FieldTable.Intern("ThreadID");
        public static readonly int Channel = FieldTable.Intern("Channel");
        public static readonly int EventChannel = FieldTable.Intern("EventChannel");
        public static readonly int Computer = FieldTable.Intern("Computer");
        public static readonly int UserID = FieldTable.Intern("UserID");
        public static readonly int SecurityID = FieldTable.Intern("SecurityID");
        public static readonly int dvcnthost = FieldTable.Intern("dvc_nt_host");
        public static readonly int eventid = FieldTable.Intern("event_id");
        public static readonly int EventDataXml = FieldTable.Intern("EventData_Xml");
        public static readonly int Message = FieldTable.Intern("Message");
    }

    private static readonly double[] Pow10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];

    /// <summary>
    /// yyyy-MM-ddTHH:mm:ss at the start of <paramref name="s"/>, read digit by digit (every event
    /// has one). Anything unusual returns false and is left to DateTime.TryParseExact.
    /// </summary>
    private static bool TryParseIsoSeconds(string s, out DateTime value)
    {
        value = default;
        if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        value = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        return true;
    }

    private static bool Digits(string s, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i]))
            {
                return false;
            }

            value = (value * 10) + (s[i] - '0');
        }

        return true;
    }

    /// <summary>Parses <c>2020-10-08T11:03:46.617920300Z</c> (any number of fraction digits) to epoch seconds.</summary>
    public static double? ParseSystemTime(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Length < 19)
        {
            return null;
        }

        if (!TryParseIsoSeconds(s, out var dt)
            && !DateTime.TryParseExact(s.AsSpan(0, 19), "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out dt))
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
                // At most 9 digits: digits and 10^n are exact doubles and division rounds
                // correctly, so this is the value double.Parse("0." + digits) gives.
                var n = Math.Min(i, start + 9) - start;
                long digits = 0;
                for (var k = start; k < start + n; k++)
                {
                    digits = (digits * 10) + (s[k] - '0');
                }

                fraction = digits / Pow10[n];
            }
        }

        var epoch = (dt - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
        return Math.Round(epoch + fraction, 6);
    }
}
