using System.Security.Claims;
using Escudo.Server.Http;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Web;

/// <summary>
/// Who is using the console. A browser signs in at <c>/login</c> with a configured user or a
/// search token and gets a session cookie (HttpOnly, SameSite=Strict, Secure over https) holding a
/// session key from the same table <c>/services/auth/login</c> fills, so the console and the REST
/// API share one set of access rules; a client may also send the API's <c>Authorization</c> header.
/// Every form carries an antiforgery token, checked on every POST.
/// </summary>
internal sealed class ConsoleAuth(Auth auth, IAntiforgery antiforgery)
{
    public const string CookieName = "escudo_session";

    /// <summary>Longest user name, password or token a sign-in form may carry.</summary>
    private const int MaxCredential = 1024;

    /// <summary>The signed-in user's name (also set as the request's principal, which antiforgery binds its tokens to), or null.</summary>
    public string? SignedIn(HttpContext ctx)
    {
        string? user = null;
        if (ctx.Request.Cookies.TryGetValue(CookieName, out var key) && key is { Length: > 0 and <= 128 })
        {
            user = auth.Sessions?.Resolve(key);
        }

        if (user is null && ctx.Request.Headers.Authorization.Count > 0
            && auth.Check(ctx, allowBearer: true, out var token) == Auth.Outcome.Ok && token!.Search)
        {
            user = token.UserName ?? TokenName(token.Token);
        }

        if (user is not null)
        {
            ctx.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.Name, user), new Claim(ClaimTypes.NameIdentifier, user)], "escudo"));
        }

        return user;
    }

    /// <summary>A page: the user, or a redirect to the sign-in page that comes back here.</summary>
    public string? RequirePage(HttpContext ctx)
    {
        if (SignedIn(ctx) is { } user)
        {
            return user;
        }

        ctx.Response.Redirect("/login?return=" + Uri.EscapeDataString(ctx.Request.Path + ctx.Request.QueryString));
        return null;
    }

    /// <summary>A console JSON call: the user, or 401 as the REST API answers.</summary>
    public async Task<string?> RequireApi(HttpContext ctx)
    {
        if (SignedIn(ctx) is { } user)
        {
            return user;
        }

        await SearchEndpoints.Messages(ctx, 401, "WARN", "call not properly authenticated");
        return null;
    }

    /// <summary>The antiforgery token for this response's forms.</summary>
    public string FormToken(HttpContext ctx) => antiforgery.GetAndStoreTokens(ctx).RequestToken ?? string.Empty;

    /// <summary>Checks a POST's antiforgery token; answers 400 with a page saying why when it is missing or wrong.</summary>
    public async Task<bool> CheckForm(HttpContext ctx)
    {
        try
        {
            await antiforgery.ValidateRequestAsync(ctx);
            return true;
        }
        catch (AntiforgeryValidationException)
        {
            ctx.Items[HecAnswers.ReasonKey] = "antiforgery token missing or invalid";
            await ConsoleLayout.Message(ctx, 400, "Form expired", "The form's security token is missing or no longer valid. Go back, reload the page and submit it again.");
            return false;
        }
        catch (InvalidDataException e)
        {
            await ConsoleLayout.Message(ctx, 400, "Bad form", "The form could not be read: " + e.Message);
            return false;
        }
    }

    public async Task LoginPage(HttpContext ctx) => await WriteLogin(ctx, null, 200);

    public async Task Login(HttpContext ctx)
    {
        if (!await CheckForm(ctx))
        {
            return;
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted);
        var username = form["username"].ToString().Trim();
        var password = form["password"].ToString();
        if (username.Length > MaxCredential || password.Length > MaxCredential)
        {
            await WriteLogin(ctx, "User name or password too long.", 400);
            return;
        }

        if (auth.SignIns?.Attempt(ctx.Connection.RemoteIpAddress, username) is { } refused)
        {
            ctx.Items[HecAnswers.ReasonKey] = "console sign-in limited";
            ctx.Response.Headers.RetryAfter = refused.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await WriteLogin(ctx, refused.Message, 429);
            return;
        }

        // A configured user with a password, or (no user name) a search token as the password.
        string? user = null;
        if (username.Length > 0 && auth.CheckPassword(username, password))
        {
            user = username;
        }
        else if (username.Length == 0 && password.Length > 0 && auth.SearchToken(password) is { } token)
        {
            user = TokenName(token.Token);
        }

        if (user is null)
        {
            ctx.Items[HecAnswers.ReasonKey] = "console sign-in refused";
            await WriteLogin(ctx, "Sign-in failed: unknown user name, wrong password, or a token that may not search.", 401);
            return;
        }

        if (auth.Sessions?.Create(user) is not { } key)
        {
            await WriteLogin(ctx, "Too many open sessions on this server; try again later.", 503);
            return;
        }

        ctx.Response.Cookies.Append(CookieName, key, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = ctx.Request.IsHttps,
            Path = "/",
            IsEssential = true,
        });
        ctx.Response.Redirect(SafeReturn(form["return"].ToString()));
    }

    public async Task Logout(HttpContext ctx)
    {
        SignedIn(ctx);
        if (!await CheckForm(ctx))
        {
            return;
        }

        if (ctx.Request.Cookies.TryGetValue(CookieName, out var key) && key is { Length: > 0 })
        {
            auth.Sessions?.Remove(key);
        }

        ctx.Response.Cookies.Delete(CookieName, new CookieOptions { Path = "/", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = ctx.Request.IsHttps });
        ctx.Response.Redirect("/login");
    }

    /// <summary>Only a path on this server: an absolute or protocol-relative URL would make the form an open redirect.</summary>
    internal static string SafeReturn(string? target) =>
        target is { Length: > 0 and < 2048 } t && t[0] == '/' && !t.StartsWith("//", StringComparison.Ordinal) && !t.StartsWith("/\\", StringComparison.Ordinal) ? t : "/";

    /// <summary>How a token-signed-in user is shown: enough of the token to recognise, not enough to use.</summary>
    private static string TokenName(string token) => "token " + token[..Math.Min(4, token.Length)] + "…";

    private async Task WriteLogin(HttpContext ctx, string? error, int status)
    {
        var h = new Html();
        h.Raw("<div class=\"panel login\"><h1>Sign in to Escudo</h1>");
        if (error is not null)
        {
            h.Raw("<p class=\"notice error\" role=\"alert\">").Text(error).Raw("</p>");
        }

        h.Raw("<form method=\"post\" action=\"/login\" class=\"stack\">")
            .Raw("<input type=\"hidden\" name=\"__RequestVerificationToken\" value=\"").Attr(FormToken(ctx)).Raw("\">")
            .Raw("<input type=\"hidden\" name=\"return\" value=\"").Attr(SafeReturn(ctx.Request.Query["return"].ToString() is { Length: > 0 } r ? r : ctx.Request.HasFormContentType ? ctx.Request.Form["return"].ToString() : null)).Raw("\">")
            .Raw("<label>User name <input name=\"username\" autocomplete=\"username\" maxlength=\"1024\"></label>")
            .Raw("<label>Password or search token <input name=\"password\" type=\"password\" autocomplete=\"current-password\" maxlength=\"1024\" required></label>")
            .Raw("<p class=\"muted\">A user from the server's configuration with its password, or leave the user name empty and give a search token.</p>")
            .Raw("<button type=\"submit\">Sign in</button></form></div>");
        await ConsoleLayout.Write(ctx, new PageFrame("Sign in", null, null, null), h, status);
    }
}
