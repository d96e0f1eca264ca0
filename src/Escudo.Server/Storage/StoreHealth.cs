namespace Escudo.Server.Storage;

/// <summary>
/// Whether the service can make data durable, told truthfully to <c>/services/collector/health</c>
/// and <c>/escudo/health</c>: degraded from the first failed commit (with its reason and since
/// when) until a commit or a recovery probe succeeds again.
/// </summary>
public sealed class StoreHealth(TimeProvider time)
{
    private readonly Lock _gate = new();
    private string? _reason;
    private string? _lastError;
    private double? _since;
    private double? _lastErrorAt;
    private double? _recoveredAt;

    public bool IsDegraded
    {
        get
        {
            lock (_gate)
            {
                return _reason is not null;
            }
        }
    }

    /// <summary>Records a failure; the first one of an episode sets "since".</summary>
    public void Failed(string reason, Exception error)
    {
        var now = Now();
        lock (_gate)
        {
            _since ??= now;
            _reason = reason;
            _lastError = $"{error.GetType().Name}: {error.Message}";
            _lastErrorAt = now;
        }
    }

    /// <summary>Records that durable writes work again; returns whether this ended a degraded episode.</summary>
    public bool Succeeded()
    {
        lock (_gate)
        {
            if (_reason is null)
            {
                return false;
            }

            _reason = null;
            _since = null;
            _recoveredAt = Now();
            return true;
        }
    }

    /// <summary>The body of <c>/escudo/health</c>.</summary>
    public Dictionary<string, object?> Snapshot()
    {
        lock (_gate)
        {
            return new Dictionary<string, object?>
            {
                ["status"] = _reason is null ? "ok" : "degraded",
                ["reason"] = _reason,
                ["since"] = _since,
                ["last_error"] = _lastError,
                ["last_error_at"] = _lastErrorAt,
                ["recovered_at"] = _recoveredAt,
            };
        }
    }

    private double Now() => time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
}
