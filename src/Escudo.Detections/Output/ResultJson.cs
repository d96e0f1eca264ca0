using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Escudo.Core.Events;

namespace Escudo.Detections.Output;

/// <summary>
/// The contract's JSON shape for results (shared/CONTRACT.md, `search --format json`): one object
/// per result, fields in result order, every scalar a string as Splunk displays it, a multivalue
/// an array of strings, null fields left out.
/// </summary>
public static class ResultJson
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    public static void WriteRow(Utf8JsonWriter w, Row row) => WriteRow(w, row, withEvidence: false);

    /// <param name="withEvidence">
    /// Also writes <c>escudo_evidence</c>: one object per event reference the row carries (input
    /// file, channel, computer, record or position, event time), resolved from the compact references here.
    /// </param>
    public static void WriteRow(Utf8JsonWriter w, Row row, bool withEvidence)
    {
        w.WriteStartObject();
        for (var i = 0; i < row.Count; i++)
        {
            var v = row.ValueAt(i);
            if (v.IsNull)
            {
                continue;
            }

            w.WritePropertyName(row.NameAt(i));
            if (v.IsMulti)
            {
                w.WriteStartArray();
                foreach (var item in v.Items)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
            }
            else
            {
                w.WriteStringValue(v.ToDisplayString());
            }
        }

        if (withEvidence && Evidence.Of(row) is { } evidence)
        {
            w.WriteStartArray("escudo_evidence");
            foreach (var r in evidence.Refs)
            {
                WriteRef(w, r);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
    }

    /// <summary>
    /// One event reference as an object of strings, as every other value in the contract's JSON:
    /// <c>{file, channel, computer, record|position, time}</c> for an event read from a file, and
    /// <c>{source, host, channel, row_id, time}</c> for one read back from serve's store.
    /// </summary>
    public static void WriteRef(Utf8JsonWriter w, in EventRef r)
    {
        w.WriteStartObject();
        if (EventOrigins.Get(r.Origin) is { IsStoreRow: true } stored)
        {
            w.WriteString("source", stored.Input);
            if (stored.Computer is not null)
            {
                w.WriteString("host", stored.Computer);
            }

            if (stored.Channel is not null)
            {
                w.WriteString("channel", stored.Channel);
            }

            w.WriteString("row_id", r.Record.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        else if (EventOrigins.Get(r.Origin) is { } origin)
        {
            w.WriteString("file", origin.Input);
            if (origin.Channel is not null)
            {
                w.WriteString("channel", origin.Channel);
            }

            if (origin.Computer is not null)
            {
                w.WriteString("computer", origin.Computer);
            }

            w.WriteString(origin.RecordIsPosition ? "position" : "record", r.Record.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (!double.IsNaN(r.Time))
        {
            w.WriteString("time", Core.Values.Value.FromNumber(r.Time).ToDisplayString());
        }

        w.WriteEndObject();
    }

    /// <summary>One event reference as a compact JSON object (see <see cref="WriteRef"/>), for a field that holds references as text.</summary>
    public static string RefJson(in EventRef r)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            WriteRef(w, r);
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>One result as a single JSON line.</summary>
    public static string ToJsonLine(Row row) => ToJsonLine(row, withEvidence: false);

    /// <summary>One result as a single JSON line, with its <c>escudo_evidence</c> when asked.</summary>
    public static string ToJsonLine(Row row, bool withEvidence)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            WriteRow(w, row, withEvidence);
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    public static void WriteArray(Stream output, IEnumerable<Row> rows, bool indented = false)
    {
        using var w = new Utf8JsonWriter(output, Options with { Indented = indented });
        w.WriteStartArray();
        foreach (var r in rows)
        {
            WriteRow(w, r);
        }

        w.WriteEndArray();
    }

    public static JsonWriterOptions WriterOptions => Options;
}
