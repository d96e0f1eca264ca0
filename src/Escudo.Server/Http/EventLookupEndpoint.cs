using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Escudo.Detections.Output;
using Escudo.Server.Storage;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>
/// <c>GET /escudo/events/{row_id}?time=T</c>: the stored event an <c>escudo_evidence</c> reference
/// names (its <c>row_id</c>, and its <c>time</c>, which narrows the lookup on a cluster), so an
/// analyst goes from a notable to each event behind it. Answers
/// <c>{"row_id", "count", "events": [{...every field, _raw, _time...}]}</c>; 404 when the store
/// holds no event with that id, 400 for an id or time that is not a number.
/// </summary>
internal sealed class EventLookupEndpoint(SearchEndpoints search, IServeStore store)
{
    public async Task Show(HttpContext ctx, string rowId)
    {
        if (!await search.Authorize(ctx))
        {
            return;
        }

        if (!long.TryParse(rowId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            await SearchEndpoints.Messages(ctx, 400, "FATAL", $"'{rowId}' is not a row id: an escudo_evidence reference's row_id is a non-negative whole number.");
            return;
        }

        double? time = null;
        if (ctx.Request.Query.TryGetValue("time", out var t))
        {
            if (!double.TryParse(t.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                await SearchEndpoints.Messages(ctx, 400, "FATAL", $"time '{t}' is not an event time in epoch seconds (the reference's time field).");
                return;
            }

            time = value;
        }

        var events = store.EventsByRowId(id, time, ctx.RequestAborted);
        if (events.Count == 0)
        {
            await SearchEndpoints.Messages(ctx, 404, "WARN", $"No stored event has row id {id}{(time is null ? string.Empty : " at time " + t)}.");
            return;
        }

        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, ResultJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("row_id", id.ToString(CultureInfo.InvariantCulture));
            w.WriteNumber("count", events.Count);
            w.WritePropertyName("events");
            w.WriteStartArray();
            foreach (var e in events)
            {
                ResultJson.WriteRow(w, e);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        ctx.Response.ContentType = "application/json; charset=UTF-8";
        await ctx.Response.Body.WriteAsync(buffer.WrittenMemory, ctx.RequestAborted);
    }
}
