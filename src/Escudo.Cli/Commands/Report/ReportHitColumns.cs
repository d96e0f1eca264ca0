using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Detections.Running;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// The hits as columns. What the page draws first (time, detection, severity, risk, host, user,
/// process, the events behind each hit) goes in the core block; each hit's result fields go in
/// the detail block, read when a hit is opened or the text filter needs them.
/// Event times are differences: a hit's time from the hit before it (the hits are in event time,
/// so these are small numbers), its last time and its events' times from its own time.
/// </summary>
internal sealed class ReportHitColumns
{
    private readonly List<long?> _time = [];
    private readonly List<long?> _span = [];
    private readonly List<long> _detection = [];
    private readonly List<long> _severity = [];
    private readonly List<double> _risk = [];
    private readonly List<long> _host = [];
    private readonly List<long> _user = [];
    private readonly List<long> _process = [];
    private readonly List<long> _count = [];
    private readonly List<long> _eventsListed = [];
    private readonly List<long> _eventOrigin = [];
    private readonly List<long> _eventRecord = [];
    private readonly List<long?> _eventTime = [];
    private readonly List<long> _shape = [];
    private readonly List<long> _values = [];
    private readonly List<int[]> _shapes = [];
    private readonly Dictionary<string, int> _shapeIndex = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _fields = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _origins = [];
    private readonly List<EventOrigin?> _originList = [];

    public ReportHitColumns(IReadOnlyList<TimelineHit> hits, Func<DetectionRun, int> detection, ReportStrings core, ReportStrings detail)
    {
        long previous = 0;
        foreach (var h in hits)
        {
            var time = ReportColumn.Ms(h.Time);
            _time.Add(time - previous);
            previous = time ?? previous;
            _span.Add(ReportColumn.Ms(h.LastTime) - time);
            _detection.Add(detection(h.Run));
            _severity.Add(Math.Max(0, Array.IndexOf(TimelineFilter.Severities, h.Severity)));
            _risk.Add(h.RiskScore);
            _host.Add(core.Of(h.Host));
            _user.Add(core.Of(h.User));
            _process.Add(core.Of(h.Process));
            _count.Add(h.Evidence?.Count ?? 0);
            AddEvents(h.Evidence, time);
            AddFields(h, detail);
        }
    }

    /// <summary>The origins (file or HEC source, channel, computer) the hits' events name, in the order first named.</summary>
    public IReadOnlyList<EventOrigin?> Origins => _originList;

    /// <summary>Result field names; a shape is a list of indexes into it.</summary>
    public IEnumerable<string> FieldNames => _fields.OrderBy(f => f.Value).Select(f => f.Key);

    /// <summary>[time (ms after the hit before), span (last − time, ms), …]: see report.js for the reading side.</summary>
    public void WriteCore(Utf8JsonWriter w)
    {
        w.WriteStartObject("hits");
        w.WriteNumber("n", _detection.Count);
        ReportColumn.Write(w, "time", _time);
        ReportColumn.Write(w, "span", _span);
        ReportColumn.Write(w, "det", _detection);
        ReportColumn.Write(w, "sev", _severity);
        ReportColumn.Write(w, "risk", _risk);
        ReportColumn.Write(w, "host", _host);
        ReportColumn.Write(w, "user", _user);
        ReportColumn.Write(w, "proc", _process);
        ReportColumn.Write(w, "count", _count);
        ReportColumn.Write(w, "evn", _eventsListed);
        ReportColumn.Write(w, "evo", _eventOrigin);
        ReportColumn.Write(w, "evr", _eventRecord);
        ReportColumn.Write(w, "evt", _eventTime);
        w.WriteEndObject();
    }

    /// <summary>Each hit's result fields: its shape (which field names, in order) and one string index per name.</summary>
    public void WriteDetail(Utf8JsonWriter w)
    {
        w.WriteStartObject("hits");
        ReportColumn.Write(w, "shape", _shape);
        ReportColumn.Write(w, "vals", _values);
        ReportColumn.Write(w, "shapes", _shapes, (x, s) =>
        {
            x.WriteStartArray();
            foreach (var f in s)
            {
                x.WriteNumberValue(f);
            }

            x.WriteEndArray();
        });
        w.WriteEndObject();
    }

    private void AddEvents(Evidence? evidence, long? hitTime)
    {
        if (evidence is null)
        {
            _eventsListed.Add(0);
            return;
        }

        var refs = evidence.Refs;
        _eventsListed.Add(refs.Length);
        foreach (var r in refs)
        {
            _eventOrigin.Add(Origin(r.Origin));
            _eventRecord.Add(r.Record);
            _eventTime.Add(ReportColumn.Ms(r.Time) - (hitTime ?? 0));
        }
    }

    private void AddFields(TimelineHit h, ReportStrings strings)
    {
        var names = new List<int>();
        for (var i = 0; i < h.Result.Count; i++)
        {
            var v = h.Result.ValueAt(i);
            if (v.IsNull)
            {
                continue;
            }

            var text = v.IsMulti ? string.Join(", ", v.Items.ToArray()) : v.ToDisplayString();
            names.Add(Field(h.Result.NameAt(i)));
            _values.Add(strings.Of(text.Length > ReportData.MaxFieldText ? text[..ReportData.MaxFieldText] + "…" : text));
        }

        var key = string.Join(',', names);
        if (!_shapeIndex.TryGetValue(key, out var shape))
        {
            shape = _shapes.Count;
            _shapeIndex[key] = shape;
            _shapes.Add([.. names]);
        }

        _shape.Add(shape);
    }

    private int Origin(int id)
    {
        if (!_origins.TryGetValue(id, out var index))
        {
            index = _originList.Count;
            _originList.Add(EventOrigins.Get(id));
            _origins[id] = index;
        }

        return index;
    }

    private int Field(string name)
    {
        if (!_fields.TryGetValue(name, out var index))
        {
            index = _fields.Count;
            _fields[name] = index;
        }

        return index;
    }
}
