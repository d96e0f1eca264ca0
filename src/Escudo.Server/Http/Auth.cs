using Microsoft.AspNetCore.Http;

namespace Escudo.Server.Http;

/// <summary>Token checks: <c>Authorization: Splunk &lt;token&gt;</c> (HEC, search) or <c>Bearer &lt;token&gt;</c> (search).</summary>
internal sealed class Auth(IEnumerable<TokenConfig> tokens)
{
    private readonly Dictionary<string, TokenConfig> _tokens = tokens.ToDictionary(t => t.Token, StringComparer.Ordinal);

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
        if (!scheme.Equals("Splunk", StringComparison.OrdinalIgnoreCase) && !(allowBearer && scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)))
        {
            return Outcome.BadScheme;
        }

        if (value.Length == 0)
        {
            return Outcome.Missing;
        }

        return _tokens.TryGetValue(value, out token) ? Outcome.Ok : Outcome.Unknown;
    }
}
