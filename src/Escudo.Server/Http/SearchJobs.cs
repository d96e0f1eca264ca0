using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Escudo.Server.Http;

/// <summary>
/// The search jobs of <c>/services/search/jobs</c>. A job belongs to the user or token that made
/// it; each owner holds at most <see cref="ServeOptions.MaxJobsPerUser"/> jobs; a finished job is
/// dropped <see cref="ServeOptions.JobTtlSeconds"/> after it was last used (Splunk's dispatch TTL).
/// </summary>
internal sealed partial class SearchJobs(SearchEndpoints search, ServeOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SearchJob> _jobs = new(StringComparer.Ordinal);
    private readonly Lock _createGate = new();
    private long _next;

    /// <summary>A started job, or why none was started (status, message).</summary>
    public (SearchJob? Job, int Status, string? Error) Start(TokenConfig who, string searchText, string? earliest, string? latest, string? requestedSid, Action onFailed)
    {
        var owner = who.Token;
        var now = time.GetUtcNow();
        SearchJob job;
        lock (_createGate)
        {
            Sweep(now);
            if (_jobs.Values.Count(j => j.Owner == owner) >= options.MaxJobsPerUser)
            {
                return (null, 503, $"Too many search jobs: this user holds {options.MaxJobsPerUser} (the server's maxJobsPerUser); delete or cancel some, or wait for them to expire.");
            }

            string sid;
            if (requestedSid is not null)
            {
                if (!SidPattern().IsMatch(requestedSid))
                {
                    return (null, 400, "Invalid id: a search id is 1 to 100 letters, digits, '_', '-' or '.'.");
                }

                if (_jobs.ContainsKey(requestedSid))
                {
                    return (null, 409, $"A search job with id '{requestedSid}' already exists.");
                }

                sid = requestedSid;
            }
            else
            {
                sid = string.Create(CultureInfo.InvariantCulture, $"{now.ToUnixTimeSeconds()}.{Interlocked.Increment(ref _next)}");
            }

            job = new SearchJob(sid, owner, who.UserName ?? "escudo", searchText, earliest, latest, now);
            _jobs[sid] = job;
        }

        // A search reads the store synchronously for as long as it runs: its own thread, not a pool thread.
        _ = Task.Factory.StartNew(() => job.Run(search, options.JobMaxResults, onFailed), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return (job, 201, null);
    }

    /// <summary>The caller's job <paramref name="sid"/>, its TTL renewed; null when it does not exist, expired or is someone else's.</summary>
    public SearchJob? Get(TokenConfig who, string sid)
    {
        var now = time.GetUtcNow();
        Sweep(now);
        if (_jobs.TryGetValue(sid, out var job) && job.Owner == who.Token)
        {
            job.Touch(now);
            return job;
        }

        return null;
    }

    public List<SearchJob> List(TokenConfig who)
    {
        Sweep(time.GetUtcNow());
        return [.. _jobs.Values.Where(j => j.Owner == who.Token).OrderBy(j => j.Created)];
    }

    /// <summary>Cancels the job and forgets it (Splunk's cancel and DELETE).</summary>
    public void Remove(SearchJob job)
    {
        job.Cancel();
        _jobs.TryRemove(job.Sid, out _);
    }

    /// <summary>Cancels every job and waits a little for their searches to let go of the store (shutdown).</summary>
    public void StopAll()
    {
        var running = new List<Task>();
        foreach (var job in _jobs.Values)
        {
            job.Cancel();
            running.Add(job.Finished);
        }

        // Searches check their token between rows; a search stuck inside one store call is left to the store's own shutdown.
        Task.WaitAll([.. running], TimeSpan.FromSeconds(10));
        _jobs.Clear();
    }

    private void Sweep(DateTimeOffset now)
    {
        var ttl = TimeSpan.FromSeconds(options.JobTtlSeconds);
        foreach (var (sid, job) in _jobs)
        {
            if (job.IsDone && now - job.LastUsed > ttl)
            {
                _jobs.TryRemove(sid, out _);
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,100}$")]
    private static partial Regex SidPattern();
}
