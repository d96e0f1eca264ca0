using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;
using Escudo.Detections.Output;

namespace Escudo.Server.Http;

/// <summary>
/// Splunk's REST entity answers: an Atom feed by default, and with <c>output_mode=json</c> the
/// JSON form Splunk's SDKs read (<c>{"generator":{...},"entry":[{"name","id","author","links",
/// "content":{...},"acl":{...}}],"paging":{...}}</c>). Values are strings, numbers, booleans,
/// string lists or nested dictionaries.
/// </summary>
internal static class SplunkAtom
{
    /// <summary>The Splunk version Escudo reports: the REST level it follows (the v2 search endpoints exist from 9.0.2), which is what Splunk's SDKs choose endpoints by.</summary>
    public const string ApiVersion = "9.0.2";

    internal sealed record Entry(string Name, string Id, string Author, DateTimeOffset Updated, IReadOnlyDictionary<string, string> Links, IReadOnlyDictionary<string, object?> Content);

    public static bool WantsJson(string? mode) => mode is "json" or "json_rows" or "json_cols";

    public static byte[] Feed(string? mode, string title, string origin, IReadOnlyList<Entry> entries, DateTimeOffset updated) =>
        WantsJson(mode) ? JsonFeed(origin, entries, updated) : XmlFeed(title, origin, entries, updated);

    public static string ContentType(string? mode) => WantsJson(mode) ? "application/json; charset=UTF-8" : "text/xml; charset=UTF-8";

    private static byte[] JsonFeed(string origin, IReadOnlyList<Entry> entries, DateTimeOffset updated)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ResultJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartObject("links");
            w.WriteEndObject();
            w.WriteString("origin", origin);
            w.WriteString("updated", Iso(updated));
            w.WriteStartObject("generator");
            w.WriteString("build", "escudo");
            w.WriteString("version", ApiVersion);
            w.WriteEndObject();
            w.WriteStartArray("entry");
            foreach (var e in entries)
            {
                w.WriteStartObject();
                w.WriteString("name", e.Name);
                w.WriteString("id", e.Id);
                w.WriteString("updated", Iso(e.Updated));
                w.WriteStartObject("links");
                foreach (var (k, v) in e.Links)
                {
                    w.WriteString(k, v);
                }

                w.WriteEndObject();
                w.WriteString("published", Iso(e.Updated));
                w.WriteString("author", e.Author);
                w.WritePropertyName("content");
                WriteJson(w, e.Content);
                w.WritePropertyName("acl");
                WriteJson(w, Acl(e.Author));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartObject("paging");
            w.WriteNumber("total", entries.Count);
            w.WriteNumber("perPage", 0);
            w.WriteNumber("offset", 0);
            w.WriteEndObject();
            w.WriteStartArray("messages");
            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static Dictionary<string, object?> Acl(string owner) => new()
    {
        ["app"] = "search",
        ["can_write"] = false,
        ["modifiable"] = false,
        ["owner"] = owner,
        ["sharing"] = "user",
        ["perms"] = new Dictionary<string, object?> { ["read"] = new List<string> { owner }, ["write"] = new List<string> { owner } },
    };

    private static void WriteJson(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case IReadOnlyDictionary<string, object?> dict:
                w.WriteStartObject();
                foreach (var (k, v) in dict)
                {
                    w.WritePropertyName(k);
                    WriteJson(w, v);
                }

                w.WriteEndObject();
                break;
            case IEnumerable<object?> list:
                w.WriteStartArray();
                foreach (var v in list)
                {
                    WriteJson(w, v);
                }

                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static byte[] XmlFeed(string title, string origin, IReadOnlyList<Entry> entries, DateTimeOffset updated)
    {
        const string Atom = "http://www.w3.org/2005/Atom";
        const string S = "http://dev.splunk.com/ns/rest";
        using var ms = new MemoryStream();
        using (var w = XmlWriter.Create(ms, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            w.WriteStartDocument();
            w.WriteStartElement("feed", Atom);
            w.WriteAttributeString("xmlns", "s", null, S);
            w.WriteElementString("title", Atom, title);
            w.WriteElementString("id", Atom, origin);
            w.WriteElementString("updated", Atom, Iso(updated));
            w.WriteStartElement("generator", Atom);
            w.WriteAttributeString("build", "escudo");
            w.WriteAttributeString("version", ApiVersion);
            w.WriteEndElement();
            w.WriteElementString("totalResults", "http://a9.com/-/spec/opensearch/1.1/", entries.Count.ToString(CultureInfo.InvariantCulture));
            foreach (var e in entries)
            {
                w.WriteStartElement("entry", Atom);
                w.WriteElementString("title", Atom, e.Name);
                w.WriteElementString("id", Atom, e.Id);
                w.WriteElementString("updated", Atom, Iso(e.Updated));
                foreach (var (k, v) in e.Links)
                {
                    w.WriteStartElement("link", Atom);
                    w.WriteAttributeString("href", v);
                    w.WriteAttributeString("rel", k);
                    w.WriteEndElement();
                }

                w.WriteStartElement("author", Atom);
                w.WriteElementString("name", Atom, e.Author);
                w.WriteEndElement();
                w.WriteStartElement("content", Atom);
                w.WriteAttributeString("type", "text/xml");
                WriteXml(w, e.Content, S);
                w.WriteEndElement();
                w.WriteEndElement();
            }

            w.WriteEndElement();
            w.WriteEndDocument();
        }

        return ms.ToArray();
    }

    private static void WriteXml(XmlWriter w, object? value, string ns)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> dict:
                w.WriteStartElement("s", "dict", ns);
                foreach (var (k, v) in dict)
                {
                    w.WriteStartElement("s", "key", ns);
                    w.WriteAttributeString("name", k);
                    WriteXml(w, v, ns);
                    w.WriteEndElement();
                }

                w.WriteEndElement();
                break;
            case string s:
                w.WriteString(ResultFormats.XmlSafe(s));
                break;
            case bool b:
                w.WriteString(b ? "1" : "0");
                break;
            case IEnumerable<object?> list:
                w.WriteStartElement("s", "list", ns);
                foreach (var v in list)
                {
                    w.WriteStartElement("s", "item", ns);
                    WriteXml(w, v, ns);
                    w.WriteEndElement();
                }

                w.WriteEndElement();
                break;
            case null:
                break;
            default:
                w.WriteString(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    public static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
}
