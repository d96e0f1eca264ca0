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

    public static void WriteRow(Utf8JsonWriter w, Row row)
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

        w.WriteEndObject();
    }

    /// <summary>One result as a single JSON line.</summary>
    public static string ToJsonLine(Row row)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, Options))
        {
            WriteRow(w, row);
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
