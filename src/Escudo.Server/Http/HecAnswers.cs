using System.Text;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>Splunk HEC's JSON answers, byte for byte: <c>{"text":"...","code":N}</c>.</summary>
internal static class HecAnswers
{
    /// <summary>HttpContext item: why a request was refused, in more detail than the Splunk answer, for the request log line.</summary>
    public const string ReasonKey = "escudo.reason";

    public static Task Write(HttpContext ctx, int status, string text, int code, string? extra = null)
    {
        ctx.Response.StatusCode = status;
        if (status >= 400 && !ctx.Items.ContainsKey(ReasonKey))
        {
            ctx.Items[ReasonKey] = $"{text} (code {code})";
        }

        ctx.Response.ContentType = "application/json; charset=UTF-8";
        var body = $"{{\"text\":\"{text}\",\"code\":{code}{extra}}}";
        return ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(body)).AsTask();
    }

    public static Task Success(HttpContext ctx, long? ackId) =>
        Write(ctx, 200, "Success", 0, ackId is { } id ? $",\"ackId\":{id}" : null);

    public static Task TokenRequired(HttpContext ctx) => Write(ctx, 401, "Token is required", 2);

    public static Task InvalidAuthorization(HttpContext ctx) => Write(ctx, 401, "Invalid authorization", 3);

    public static Task InvalidToken(HttpContext ctx) => Write(ctx, 403, "Invalid token", 4);

    public static Task NoData(HttpContext ctx) => Write(ctx, 400, "No data", 5);

    public static Task InvalidDataFormat(HttpContext ctx, int eventNumber) =>
        Write(ctx, 400, "Invalid data format", 6, $",\"invalid-event-number\":{eventNumber}");

    /// <summary>The token may not write to the event's index (Splunk: 400, code 7).</summary>
    public static Task IncorrectIndex(HttpContext ctx, int? eventNumber) =>
        Write(ctx, 400, "Incorrect index", 7, eventNumber is { } n ? $",\"invalid-event-number\":{n}" : null);

    public static Task ServerBusy(HttpContext ctx) => Write(ctx, 503, "Server is busy", 9);

    public static Task ChannelMissing(HttpContext ctx) => Write(ctx, 400, "Data channel is missing", 10);

    public static Task EventRequired(HttpContext ctx, int eventNumber) =>
        Write(ctx, 400, "Event field is required", 12, $",\"invalid-event-number\":{eventNumber}");

    public static Task EventBlank(HttpContext ctx, int eventNumber) =>
        Write(ctx, 400, "Event field cannot be blank", 13, $",\"invalid-event-number\":{eventNumber}");

    public static Task Healthy(HttpContext ctx) => Write(ctx, 200, "HEC is healthy", 17);

    public static Task Unhealthy(HttpContext ctx) => Write(ctx, 503, "HEC is unhealthy, queues are full", 18);

    public static Task TooLarge(HttpContext ctx, long limit) => Write(ctx, 413, $"Content length too large (limit {limit} bytes)", 27);
}
