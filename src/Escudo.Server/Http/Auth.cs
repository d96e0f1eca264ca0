using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>
/// Token checks: <c>Authorization: Splunk &lt;token&gt;</c> (HEC, search) or <c>Bearer &lt;token&gt;</c> (search).
/// On the search side also a session key from <c>/services/auth/login</c> (<c>Splunk &lt;key&gt;</c>) and
/// HTTP Basic with a configured user, as Splunk's REST API takes them.
/// </summary>
internal sealed class Auth(IEnumerable<TokenConfig> tokens, IEnumerable<UserConfig>? users = null, SessionKeys? sessions = null)
{
    private readonly Dictionary<string, TokenConfig> _tokens = tokens.ToDictionary(t => t.Token, StringComparer.Ordinal);
    private readonly Dictionary<string, UserConfig> _users = (users ?? []).ToDictionary(u => u.Username, StringComparer.Ordinal);

    public SessionKeys? Sessions => sessions;

    /// <summary>The sign-in limits (console and REST login); none when unset.</summary>
    public SignInLimiter? SignIns { get; init; }

    /// <summary>Whether <paramref name="username"/> and <paramref name="password"/> match a configured user (in constant time).</summary>
    public bool CheckPassword(string username, string password) =>
        _users.TryGetValue(username, out var u) && u.Password.Length > 0
        && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(u.Password), System.Text.Encoding.UTF8.GetBytes(password));

    /// <summary>The configured token with this value when it may search (the console's sign-in with a token), else null.</summary>
    public TokenConfig? SearchToken(string value) => _tokens.TryGetValue(value, out var t) && t.Search ? t : null;

    public enum Outcome
    {
        Ok,
        Missing,
        BadScheme,
        Unknown,
    }

    public Outcome Check(HttpContext ctx, bool allowBearer, out TokenConfig? token)
    {
        token = null;
        var header = ctx.Request.Headers.Authorization.ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            return Outcome.Missing;
        }

        var space = header.IndexOf(' ', StringComparison.Ordinal);
        var scheme = space < 0 ? header : header[..space];
        var value = space < 0 ? string.Empty : header[(space + 1)..].Trim();
        if (allowBearer && scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return CheckBasic(value, out token);
        }

        if (!scheme.Equals("Splunk", StringComparison.OrdinalIgnoreCase) && !(allowBearer && scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)))
        {
            return Outcome.BadScheme;
        }

        if (value.Length == 0)
        {
            return Outcome.Missing;
        }

        if (_tokens.TryGetValue(value, out token))
        {
            return Outcome.Ok;
        }

        if (allowBearer && sessions?.Resolve(value) is { } user)
        {
            token = UserToken(user);
            return Outcome.Ok;
        }

        return Outcome.Unknown;
    }

    /// <summary>The identity a signed-in user searches with: search rights, owner name for jobs.</summary>
    public static TokenConfig UserToken(string user) => new() { Token = "user:" + user, Search = true, UserName = user };

    private Outcome CheckBasic(string value, out TokenConfig? token)
    {
        token = null;
        string decoded;
        try
        {
            decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException)
        {
            return Outcome.Unknown;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !CheckPassword(decoded[..colon], decoded[(colon + 1)..]))
        {
            return Outcome.Unknown;
        }

        token = UserToken(decoded[..colon]);
        return Outcome.Ok;
    }
}
