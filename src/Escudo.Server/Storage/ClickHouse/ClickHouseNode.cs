using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// One ClickHouse server over its HTTP interface (works from 18.16 to current releases): a
/// statement in the body, settings and the insert statement in the query string, rows as
/// RowBinary. Credentials go in an HTTP Basic header, never in the URL (the server logs URLs).
/// </summary>
internal sealed partial class ClickHouseNode : IDisposable
{
    private readonly HttpClient _http;
    private readonly AuthenticationHeaderValue? _auth;
    private readonly string _database;

    public ClickHouseNode(string address, string database, string? user, string? password, TimeSpan timeout)
    {
        Address = address;
        _database = database;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) })
        {
            BaseAddress = new Uri("http://" + address + "/"),
            Timeout = timeout,
        };
        if (user is not null)
        {
            _auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (password ?? string.Empty))));
        }
    }

    /// <summary>HOST:PORT of the HTTP interface.</summary>
    public string Address { get; }

    /// <summary>Runs a statement; its text answer (trimmed).</summary>
    public string Execute(string sql, bool inDatabase = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var response = Send(sql, null, inDatabase, settings, null, HttpCompletionOption.ResponseContentRead);
        using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
        return reader.ReadToEnd().Trim();
    }

    /// <summary>Runs a SELECT whose answer is read as a stream (RowBinary, say); the caller disposes the response.</summary>
    public HttpResponseMessage Query(string sql, IReadOnlyDictionary<string, string>? settings = null) =>
        Send(sql, null, true, settings, null, HttpCompletionOption.ResponseHeadersRead);

    /// <summary>Sends rows for an INSERT statement (<c>INSERT INTO t FORMAT RowBinary</c>); returns once the server accepted them.</summary>
    public void Insert(string insert, ReadOnlyMemory<byte> rows, string? queryId, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var response = Send(insert, rows, true, settings, queryId, HttpCompletionOption.ResponseContentRead);
    }

    private HttpResponseMessage Send(string sql, ReadOnlyMemory<byte>? rows, bool inDatabase, IReadOnlyDictionary<string, string>? settings, string? queryId, HttpCompletionOption completion)
    {
        var query = new StringBuilder("?");
        if (inDatabase)
        {
            query.Append("database=").Append(Uri.EscapeDataString(_database)).Append('&');
        }

        if (queryId is not null)
        {
            query.Append("query_id=").Append(Uri.EscapeDataString(queryId)).Append('&');
        }

        foreach (var (k, v) in settings ?? Empty)
        {
            query.Append(k).Append('=').Append(Uri.EscapeDataString(v)).Append('&');
        }

        HttpContent content;
        if (rows is null)
        {
            content = new StringContent(sql, Encoding.UTF8, "text/plain");
        }
        else
        {
            query.Append("query=").Append(Uri.EscapeDataString(sql)).Append('&');
            content = new ReadOnlyMemoryContent(rows.Value);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, query.ToString().TrimEnd('&')) { Content = content };
        request.Headers.Authorization = _auth;
        HttpResponseMessage response;
        try
        {
            response = _http.Send(request, completion);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            throw new ClickHouseException($"ClickHouse at {Address} did not answer: {e.Message}", Address, inner: e);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            string body;
            try
            {
                body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is HttpRequestException or IOException)
            {
                body = e.Message;
            }

            body = body.Length > 1000 ? body[..1000] + "..." : body.Trim();
            var match = ErrorCode().Match(body);
            int? code = match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
            throw new ClickHouseException($"ClickHouse at {Address} answered {(int)response.StatusCode}: {body}", Address, code);
        }
    }

    private static readonly Dictionary<string, string> Empty = [];

    [GeneratedRegex(@"Code: (\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex ErrorCode();

    public void Dispose() => _http.Dispose();
}
