using System.Net;
using System.Text.RegularExpressions;

namespace Escudo.Tests.Server;

/// <summary>Sign-in attempts are limited per client address and per user name; a search error's column is the box's.</summary>
public sealed partial class ConsoleHttpTests
{
    [Fact]
    public async Task Sign_in_attempts_are_limited_per_user_name_and_per_address_with_a_clear_429()
    {
        // A window of an hour: no attempt in the test can fall into a fresh one.
        await using var f = await ServeFixture.StartAsync(o =>
        {
            WithUser(o);
            o.SignInAttemptsPerAddress = 5;
            o.SignInAttemptsPerUser = 3;
            o.SignInWindowSeconds = 3600;
        });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.Host.BaseAddress };

        // Three wrong passwords for the user, then even the right one is refused for that name.
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await TrySignInAsync(client, User, "guess" + i, "/"));
        }

        var (status, body, retry) = await PostSignInAsync(client, User, Password);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("Too many sign-in attempts for this user name (at most 3 in 3600 s); try again in", body, StringComparison.Ordinal);
        Assert.True(retry is > 0 and <= 3600, $"Retry-After {retry}");

        // Another name from the same address: the fifth attempt from it is the last one allowed.
        Assert.Null(await TrySignInAsync(client, "someone", "guess", "/"));
        (status, body, _) = await PostSignInAsync(client, "someone-else", "guess");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Contains("Too many sign-in attempts from your address (at most 5 in 3600 s)", body, StringComparison.Ordinal);

        // The REST API's login counts against the same limits, in Splunk's message format.
        using var rest = await client.PostAsync("/services/auth/login?output_mode=json", new FormUrlEncodedContent([new("username", User), new("password", Password)]));
        Assert.Equal(HttpStatusCode.TooManyRequests, rest.StatusCode);
        Assert.Contains("Too many sign-in attempts from your address", await rest.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(rest.Headers.RetryAfter);
    }

    [Theory]
    [InlineData("index=* | nosuchcommand x")]
    [InlineData("search index=* | nosuchcommand x")]
    [InlineData("  search index=*\n  | nosuchcommand x")]
    public async Task A_search_error_names_the_line_and_column_of_the_box_where_its_caret_is(string box)
    {
        await using var f = await ServeFixture.StartAsync(WithUser);
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = f.Host.BaseAddress };
        var cookie = await SignInAsync(client);
        using var get = new HttpRequestMessage(HttpMethod.Get, "/search?q=" + Uri.EscapeDataString(box));
        get.Headers.Add("Cookie", cookie);
        using var page = await client.SendAsync(get);
        var html = await page.Content.ReadAsStringAsync();

        var at = box.IndexOf("nosuchcommand", StringComparison.Ordinal);
        var line = box[..at].Count(c => c == '\n') + 1;
        var column = at - (box.LastIndexOf('\n', at) + 1) + 1;
        var caret = ErrorCaret().Match(html);
        Assert.True(caret.Success, html);
        Assert.Equal((line, column), (int.Parse(caret.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(caret.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains($"(line {line}, column {column})", html, StringComparison.Ordinal); // the message says the same place
    }

    /// <summary>Posts the sign-in form (with its antiforgery token): the status, the page's text and Retry-After in seconds.</summary>
    private static async Task<(HttpStatusCode Status, string Body, double? RetryAfter)> PostSignInAsync(HttpClient client, string user, string password)
    {
        using var page = await client.GetAsync("/login");
        var html = await page.Content.ReadAsStringAsync();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent([new("__RequestVerificationToken", FormToken().Match(html).Groups[1].Value), new("username", user), new("password", password), new("return", "/")]),
        };
        post.Headers.Add("Cookie", string.Join("; ", page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0])));
        using var resp = await client.SendAsync(post);
        return (resp.StatusCode, WebUtility.HtmlDecode(await resp.Content.ReadAsStringAsync()), resp.Headers.RetryAfter?.Delta?.TotalSeconds);
    }

    [GeneratedRegex("class=\"spl-error\" data-offset=\"\\d+\" data-line=\"(\\d+)\" data-column=\"(\\d+)\"")]
    private static partial Regex ErrorCaret();
}
