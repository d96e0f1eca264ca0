using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>What the layout needs of a page: its title, which top-bar entry it is, the user and the form token for sign-out.</summary>
internal sealed record PageFrame(string Title, string? Current, string? User, string? FormToken);

/// <summary>
/// The page around every console view: a skip link, the top bar (the pages, the user, sign-out),
/// a <c>main</c> landmark, and the shared styles and scripts served from the binary.
/// </summary>
internal static class ConsoleLayout
{
    /// <summary>The top bar's pages: path and label.</summary>
    public static readonly IReadOnlyList<(string Path, string Label)> Pages =
    [
        ("/incident-review", "Incident Review"),
        ("/risk", "Risk Analysis"),
        ("/search", "Search"),
        ("/detections", "Detections"),
        ("/data", "Data"),
    ];

    public static async Task Write(HttpContext ctx, PageFrame frame, Html body, int status = 200)
    {
        var h = new Html();
        h.Raw("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .Raw("<title>").Text(frame.Title).Raw(" · Escudo</title>")
            .Raw("<link rel=\"stylesheet\" href=\"/assets/escudo.css\"><link rel=\"stylesheet\" href=\"/assets/vendor/uplot.min.css\"><link rel=\"stylesheet\" href=\"/assets/console.css\">")
            .Raw("</head><body><a class=\"skip-link\" href=\"#main\">Skip to main content</a>")
            .Raw("<header class=\"topbar\"><a class=\"brand\" href=\"/\">Escudo</a>");
        if (frame.User is not null)
        {
            h.Raw("<nav aria-label=\"Console pages\"><ul>");
            foreach (var (path, label) in Pages)
            {
                h.Raw("<li><a href=\"").Attr(path).Raw("\"").Raw(frame.Current == path ? " aria-current=\"page\"" : string.Empty).Raw(">").Text(label).Raw("</a></li>");
            }

            h.Raw("</ul></nav><div class=\"who\">Signed in as <strong>").Text(frame.User).Raw("</strong>")
                .Raw("<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"").Attr(frame.FormToken).Raw("\">")
                .Raw("<button type=\"submit\" class=\"secondary\">Sign out</button></form></div>");
        }

        h.Raw("</header><main id=\"main\" tabindex=\"-1\">").Raw(body.ToString()).Raw("</main>")
            .Raw("<script src=\"/assets/vendor/uplot.iife.min.js\"></script><script src=\"/assets/console.js\"></script></body></html>");
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
        ctx.Response.Headers["X-Frame-Options"] = "DENY";
        ctx.Response.Headers["Referrer-Policy"] = "same-origin";
        // Scripts and styles only from the server itself: data in a page can never run as script.
        ctx.Response.Headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";
        await ctx.Response.WriteAsync(h.ToString(), ctx.RequestAborted);
    }

    /// <summary>A page with one message: an error the user can act on, never a bare status.</summary>
    public static Task Message(HttpContext ctx, int status, string title, string text, string? user = null)
    {
        var h = new Html();
        h.El("h1", title).Raw("<p class=\"notice error\" role=\"alert\">").Text(text).Raw("</p>");
        return Write(ctx, new PageFrame(title, null, user, null), h, status);
    }
}
