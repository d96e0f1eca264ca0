using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Escudo.Server.Http;

/// <summary>
/// Session keys handed out by <c>/services/auth/login</c>. A key lives while it is used (sliding
/// expiry, as Splunk's sessions do) and the number of live keys is bounded, so a client that logs
/// in in a loop cannot grow the server's memory.
/// </summary>
internal sealed class SessionKeys(TimeProvider time, TimeSpan idle, int maxSessions)
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    /// <summary>A new key for <paramref name="user"/>, or null when the table is full of live sessions.</summary>
    public string? Create(string user)
    {
        if (_sessions.Count >= maxSessions)
        {
            RemoveExpired();
            if (_sessions.Count >= maxSessions)
            {
                return null;
            }
        }

        // 32 random bytes: as unguessable as a token; hex keeps it header- and URL-safe.
        var key = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        _sessions[key] = new Session(user, time.GetUtcNow() + idle);
        return key;
    }

    /// <summary>The user a live key belongs to (and the key's life extended), or null.</summary>
    public string? Resolve(string key)
    {
        if (!_sessions.TryGetValue(key, out var s))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (s.Expires <= now)
        {
            _sessions.TryRemove(key, out _);
            return null;
        }

        _sessions[key] = s with { Expires = now + idle };
        return s.User;
    }

    /// <summary>Ends a session (sign-out): the key stops working at once.</summary>
    public void Remove(string key) => _sessions.TryRemove(key, out _);

    private void RemoveExpired()
    {
        var now = time.GetUtcNow();
        foreach (var (key, s) in _sessions)
        {
            if (s.Expires <= now)
            {
                _sessions.TryRemove(key, out _);
            }
        }
    }

    private sealed record Session(string User, DateTimeOffset Expires);
}
