using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Escudo.Server.Web;

/// <summary>The web console's routes: the pages, sign-in and sign-out, and the static assets.</summary>
internal static class ConsoleEndpoints
{
    public static void Map(WebApplication app, ConsoleServices s)
    {
        var review = new IncidentReviewPage(s);
        var detail = new NotableDetailPage(s);
        var search = new SearchPage(s);
        var risk = new RiskPage(s);
        var detections = new DetectionsPage(s);
        var rate = new IngestRate(() => s.Stats.EventsAccepted, s.Time);
        app.Lifetime.ApplicationStopping.Register(rate.Dispose);
        var data = new DataPage(s, rate);
        app.MapGet("/assets/{**name}", Asset);
        app.MapGet("/login", s.Auth.LoginPage);
        app.MapPost("/login", s.Auth.Login);
        app.MapPost("/logout", s.Auth.Logout);
        app.MapGet("/", review.List);
        app.MapGet("/incident-review", review.List);
        app.MapPost("/incident-review/edit", review.Edit);
        app.MapGet("/incident-review/{id}", (HttpContext ctx, string id) => detail.Show(ctx, id));
        app.MapGet("/search", search.Show);
        app.MapGet("/risk", risk.Show);
        app.MapGet("/detections", detections.Show);
        app.MapPost("/detections/run", detections.Run);
        app.MapGet("/data", data.Show);
    }

    /// <summary>
    /// <c>GET /assets/NAME</c>: an embedded file with its content type, an ETag and an hour of
    /// caching (the files change only with the binary); no sign-in, the sign-in page needs them.
    /// </summary>
    private static async Task Asset(HttpContext ctx, string name)
    {
        if (WebAssets.Find(name) is not { } bytes)
        {
            ctx.Response.StatusCode = StatusCodes.Status404NotFound;
            ctx.Response.ContentType = "text/plain; charset=utf-8";
            await ctx.Response.WriteAsync("no such asset");
            return;
        }

        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 8)) + "\"";
        ctx.Response.Headers.ETag = etag;
        ctx.Response.Headers.CacheControl = "public, max-age=3600";
        ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
        if (ctx.Request.Headers.IfNoneMatch.ToString() == etag)
        {
            ctx.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        ctx.Response.ContentType = WebAssets.ContentType(name);
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }
}
