using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Xml;
using Escudo.Detections.Output;

namespace Escudo.Server.Http;

/// <summary>
/// A page of results in the <c>output_mode</c>s of Splunk's <c>search/jobs/{sid}/results</c>:
/// <c>json</c> (one object per result), <c>json_rows</c> (one array per result, in <c>fields</c>
/// order), <c>json_cols</c> (one array per field), <c>csv</c> (a header then rows; a multivalue
/// is its values joined by newlines, as Splunk writes it) and <c>xml</c> (Splunk's default:
/// <c>&lt;results&gt;&lt;meta&gt;&lt;fieldOrder&gt;</c> then <c>&lt;result offset&gt;&lt;field k&gt;&lt;value&gt;&lt;text&gt;</c>).
/// </summary>
internal static class ResultFormats
{
    public static readonly string[] Modes = ["json", "json_rows", "json_cols", "csv", "xml"];

    public static bool IsKnown(string mode) => Modes.Contains(mode, StringComparer.Ordinal);

    public static string ContentType(string mode) => mode switch
    {
        "csv" => "text/csv; charset=UTF-8",
        "xml" => "text/xml; charset=UTF-8",
        _ => "application/json; charset=UTF-8",
    };

    /// <param name="offset">The offset of the first row in the whole result set (Splunk's <c>init_offset</c>).</param>
    public static byte[] Write(string mode, IReadOnlyList<ResultRecord> rows, int offset, bool preview, IReadOnlyList<(string Type, string Text)> messages) => mode switch
    {
        "csv" => Csv(rows),
        "xml" => Xml(rows, offset, preview, messages),
        _ => Json(mode, rows, offset, preview, messages),
    };

    private static byte[] Json(string mode, IReadOnlyList<ResultRecord> rows, int offset, bool preview, IReadOnlyList<(string Type, string Text)> messages)
    {
        var fields = ResultRecord.FieldOrder(rows);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ResultJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteBoolean("preview", preview);
            w.WriteNumber("init_offset", offset);
            w.WriteStartArray("messages");
            foreach (var (type, text) in messages)
            {
                w.WriteStartObject();
                w.WriteString("type", type);
                w.WriteString("text", text);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("fields");
            foreach (var f in fields)
            {
                if (mode == "json")
                {
                    w.WriteStartObject();
                    w.WriteString("name", f);
                    w.WriteEndObject();
                }
                else
                {
                    w.WriteStringValue(f);
                }
            }

            w.WriteEndArray();
            switch (mode)
            {
                case "json_rows":
                    w.WriteStartArray("rows");
                    foreach (var r in rows)
                    {
                        w.WriteStartArray();
                        foreach (var f in fields)
                        {
                            WriteValue(w, r.Get(f));
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndArray();
                    break;
                case "json_cols":
                    w.WriteStartArray("columns");
                    foreach (var f in fields)
                    {
                        w.WriteStartArray();
                        foreach (var r in rows)
                        {
                            WriteValue(w, r.Get(f));
                        }

                        w.WriteEndArray();
                    }

                    w.WriteEndArray();
                    break;
                default:
                    w.WriteStartArray("results");
                    foreach (var r in rows)
                    {
                        w.WriteStartObject();
                        for (var i = 0; i < r.Names.Length; i++)
                        {
                            w.WritePropertyName(r.Names[i]);
                            WriteValue(w, r.Values[i]);
                        }

                        w.WriteEndObject();
                    }

                    w.WriteEndArray();
                    w.WriteStartObject("highlighted");
                    w.WriteEndObject();
                    break;
            }

            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string[] items:
                w.WriteStartArray();
                foreach (var item in items)
                {
                    w.WriteStringValue(item);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue((string)value);
                break;
        }
    }

    private static byte[] Csv(IReadOnlyList<ResultRecord> rows)
    {
        var fields = ResultRecord.FieldOrder(rows);
        var sb = new StringBuilder();
        AppendLine(sb, fields);
        foreach (var r in rows)
        {
            AppendLine(sb, fields.Select(f => r.Get(f) switch
            {
                string[] items => string.Join('\n', items),
                string s => s,
                _ => string.Empty,
            }));
        }

        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    private static void AppendLine(StringBuilder sb, IEnumerable<string> cells)
    {
        var first = true;
        foreach (var cell in cells)
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;

            // RFC 4180: quote a cell holding a separator, a quote or a line break; double its quotes.
            if (cell.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                sb.Append('"').Append(cell.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                sb.Append(cell);
            }
        }

        sb.Append('\n');
    }

    private static byte[] Xml(IReadOnlyList<ResultRecord> rows, int offset, bool preview, IReadOnlyList<(string Type, string Text)> messages)
    {
        var fields = ResultRecord.FieldOrder(rows);
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("results");
            w.WriteAttributeString("preview", preview ? "1" : "0");
            w.WriteStartElement("meta");
            w.WriteStartElement("fieldOrder");
            foreach (var f in fields)
            {
                w.WriteElementString("field", f);
            }

            w.WriteEndElement();
            w.WriteEndElement();
            if (messages.Count > 0)
            {
                w.WriteStartElement("messages");
                foreach (var (type, text) in messages)
                {
                    w.WriteStartElement("msg");
                    w.WriteAttributeString("type", type);
                    w.WriteString(text);
                    w.WriteEndElement();
                }

                w.WriteEndElement();
            }

            for (var i = 0; i < rows.Count; i++)
            {
                var r = rows[i];
                w.WriteStartElement("result");
                w.WriteAttributeString("offset", (offset + i).ToString(System.Globalization.CultureInfo.InvariantCulture));
                for (var j = 0; j < r.Names.Length; j++)
                {
                    w.WriteStartElement("field");
                    w.WriteAttributeString("k", r.Names[j]);
                    foreach (var item in r.Values[j] is string[] items ? items : [(string)r.Values[j]])
                    {
                        w.WriteStartElement("value");
                        w.WriteElementString("text", XmlSafe(item));
                        w.WriteEndElement();
                    }

                    w.WriteEndElement();
                }

                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndDocument();
        }

        return ms.ToArray();
    }

    /// <summary>Event text may hold control characters XML 1.0 cannot carry; they become U+FFFD rather than failing the page.</summary>
    internal static string XmlSafe(string s)
    {
        foreach (var c in s)
        {
            if (!XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c))
            {
                return new string([.. s.Select(ch => XmlConvert.IsXmlChar(ch) || char.IsSurrogate(ch) ? ch : '\uFFFD')]);
            }
        }

        return s;
    }
}
