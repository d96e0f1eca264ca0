using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;

namespace Escudo.Server.Http;

/// <summary>
/// Limits sign-in attempts (the console's <c>/login</c> and <c>/services/auth/login</c>), per
/// client address and per user name, with the fixed-window limiters of System.Threading.RateLimiting
/// (the ones ASP.NET Core's rate-limiting middleware uses). The user name comes from the form,
/// which the middleware cannot see, so the handlers ask here. Every attempt counts, right or wrong:
/// a password guesser gets the same number of tries whether or not any succeeds.
/// Idle partitions are dropped by the limiter itself, so made-up user names do not pile up.
/// </summary>
internal sealed class SignInLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _byAddress;
    private readonly PartitionedRateLimiter<string> _byUser;
    private readonly int _perAddress;
    private readonly int _perUser;
    private readonly TimeSpan _window;

    public SignInLimiter(int perAddress, int perUser, TimeSpan window)
    {
        _perAddress = perAddress;
        _perUser = perUser;
        _window = window;
        _byAddress = Create(perAddress, window);
        _byUser = Create(perUser, window);
    }

    /// <summary>Counts one attempt; null when it may go on, else why not and in how many seconds to try again.</summary>
    public (string Message, int RetryAfterSeconds)? Attempt(IPAddress? address, string user)
    {
        using (var lease = _byAddress.AttemptAcquire(address?.ToString() ?? "unknown"))
        {
            if (!lease.IsAcquired)
            {
                return Refused(lease, $"Too many sign-in attempts from your address (at most {_perAddress} in {Window()})");
            }
        }

        if (user.Length > 0)
        {
            using var lease = _byUser.AttemptAcquire(user.ToUpperInvariant());
            if (!lease.IsAcquired)
            {
                return Refused(lease, $"Too many sign-in attempts for this user name (at most {_perUser} in {Window()})");
            }
        }

        return null;
    }

    public void Dispose()
    {
        _byAddress.Dispose();
        _byUser.Dispose();
    }

    private (string, int) Refused(RateLimitLease lease, string why)
    {
        var seconds = lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)) : (int)Math.Ceiling(_window.TotalSeconds);
        return ($"{why}; try again in {seconds.ToString(CultureInfo.InvariantCulture)} s.", seconds);
    }

    private string Window() => _window.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture) + " s";

    private static PartitionedRateLimiter<string> Create(int permits, TimeSpan window) =>
        PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
}
