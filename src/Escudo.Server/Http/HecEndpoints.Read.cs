using System.Text.Json;
using Escudo.Core.Events;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>Reading one <c>/event</c> object of a request body.</summary>
internal sealed partial class HecEndpoints
{
    /// <summary>
    /// The event object the reader is on, as a row, or the answer refusing it. An event whose
    /// <c>event</c> is a string is read straight from the body (<see cref="HecEnvelope"/>); any
    /// other, and every event once the field-name table is full, through a <c>JsonDocument</c>.
    /// </summary>
    private (Row? Row, Func<HttpContext, int, Task>? Answer) ReadEvent(ref Utf8JsonReader reader, TokenConfig token, double now)
    {
        if (FieldTable.Count < maxFieldNames)
        {
            var start = reader;
            HecEnvelope? envelope;
            try
            {
                envelope = HecEnvelope.TryRead(ref reader);
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                envelope = null; // the general path below meets the same fault and answers it as before
            }

            switch (envelope?.State)
            {
                case HecEnvelope.EventState.Missing:
                    return (null, HecAnswers.EventRequired);
                case HecEnvelope.EventState.Blank:
                    return (null, HecAnswers.EventBlank);
                case HecEnvelope.EventState.Text:
                    return (HecRows.FromText(envelope, token, now), null);
                default:
                    reader = start;
                    break;
            }
        }

        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        if (!root.TryGetProperty("event", out var ev))
        {
            return (null, HecAnswers.EventRequired);
        }

        if (ev.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined
            || (ev.ValueKind == JsonValueKind.String && ev.GetString()!.Length == 0)
            || (ev.ValueKind == JsonValueKind.Object && !ev.EnumerateObject().Any()))
        {
            return (null, HecAnswers.EventBlank);
        }

        return (EventRow(root, ev, token, now), null);
    }
}
