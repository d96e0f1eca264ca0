using System.Text;
using System.Text.Json;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Values;
using Escudo.Ingest.Json;
using Escudo.Ingest.Sources;
using Escudo.Server;
using Escudo.Server.Http;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Tests.Server;

/// <summary>
/// The HEC endpoints in process over a real DuckDB store, and the plain path they must agree with:
/// each event object through a <c>JsonDocument</c> and <see cref="JsonEventReader.FromJson"/>, with
/// the token defaults main applied (kept here as main wrote them, so the reference does not move
/// with the code under test).
/// </summary>
internal sealed class HecDifferentialSupport : IDisposable
{
    public const double Now = 1_700_000_123.5;

    private readonly string _dir = Directory.CreateTempSubdirectory("escudo-hec-diff-").FullName;
    private readonly CommitQueue _queue;
    private readonly HecEndpoints _hec;

    public static readonly TokenConfig Plain = new() { Token = "plain" };

    public static readonly TokenConfig WithDefaults = new() { Token = "defaults", Index = "Apps", Source = "tok:src", SourceType = "tok:st", Host = "tok-host" };

    /// <param name="slimXmlRows">False: Windows XML rows wait for their commit whole, as main's HEC kept them (the reference path).</param>
    public HecDifferentialSupport(bool slimXmlRows = true)
    {
        Store = new DuckDbStore(_dir);
        _queue = new CommitQueue(Store);
        _hec = new HecEndpoints(new Auth([Plain, WithDefaults]), _queue, new AckTracker(), new ServeStats(), new FixedTime(), 64 << 20) { SlimXmlRows = slimXmlRows };
    }

    public DuckDbStore Store { get; }

    public Task<(int Status, string Answer)> EventAsync(string body, TokenConfig token) => PostAsync(_hec.Event, body, token, null);

    public Task<(int Status, string Answer)> RawAsync(string body, TokenConfig token, string query) => PostAsync(_hec.Raw, body, token, query);

    private static async Task<(int Status, string Answer)> PostAsync(Func<HttpContext, Task> endpoint, string body, TokenConfig token, string? query)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var ctx = new DefaultHttpContext();
        ctx.Request.Method = "POST";
        ctx.Request.Headers.Authorization = "Splunk " + token.Token;
        if (query is not null)
        {
            ctx.Request.QueryString = new QueryString(query);
        }

        ctx.Request.Body = new MemoryStream(bytes);
        ctx.Request.ContentLength = bytes.Length;
        var response = new MemoryStream();
        ctx.Response.Body = response;
        await endpoint(ctx);
        return (ctx.Response.StatusCode, Encoding.UTF8.GetString(response.ToArray()));
    }

    /// <summary>Every stored event, in the order stored.</summary>
    public List<Row> Stored() =>
        [.. Store.Scan(ScanRequest.All, Pushdown.None, CancellationToken.None).OrderBy(r => r.Ref.Record)];

    /// <summary>The row main made of one <c>/event</c> object whose event is a string or an object.</summary>
    public static Row Legacy(string objectJson, TokenConfig token)
    {
        using var doc = JsonDocument.Parse(WrapAsText(objectJson));
        var root = doc.RootElement;
        var options = new EventReadOptions(Index: (token.Index ?? "main").ToLowerInvariant());
        var row = JsonEventReader.FromJson(root, root.GetRawText(), options)!;
        if (token.Source is { } s && !root.TryGetProperty("source", out _))
        {
            row.Set(FieldTable.Source, Value.FromString(s));
        }

        if (token.SourceType is { } st && !root.TryGetProperty("sourcetype", out _))
        {
            row.Set(FieldTable.SourceType, Value.FromString(st));
        }

        if (token.Host is { } h && !root.TryGetProperty("host", out _))
        {
            row.Set(FieldTable.Host, Value.FromString(h));
        }

        if (!root.TryGetProperty("time", out _) && row.Get(FieldTable.Time).IsNull)
        {
            row.Set(FieldTable.Time, Value.FromNumber(Now));
        }

        if (row.Get(FieldTable.Index).FirstString() is { } idx && idx != idx.ToLowerInvariant())
        {
            row.Set(FieldTable.Index, Value.FromString(idx.ToLowerInvariant()));
        }

        return row;
    }

    /// <summary>As main: an event that is neither a string nor an object (a number, an array) is indexed as its JSON text.</summary>
    private static string WrapAsText(string objectJson)
    {
        using var doc = JsonDocument.Parse(objectJson);
        var ev = doc.RootElement.GetProperty("event");
        if (ev.ValueKind is JsonValueKind.String or JsonValueKind.Object)
        {
            return objectJson;
        }

        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.NameEquals("event"))
                {
                    w.WriteString("event", ev.GetRawText());
                }
                else
                {
                    p.WriteTo(w);
                }
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>The row's fields in order, typed (kind and text), one per line: equal exactly when the rows are.</summary>
    public static string Fields(Row row, bool skipTime = false)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < row.Count; i++)
        {
            if (skipTime && row.IdAt(i) == FieldTable.Time)
            {
                sb.Append("_time=(now)\n");
                continue;
            }

            var v = row.ValueAt(i);
            sb.Append(row.NameAt(i)).Append('=').Append(v.Kind).Append(':')
                .Append(v.Kind == ValueKind.Multi ? string.Join("|", v.Items.ToArray()) : v.ToDisplayString()).Append('\n');
        }

        return sb.ToString();
    }

    public void Dispose()
    {
        _queue.Dispose();
        Store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds((long)(Now * 1000));
    }
}
