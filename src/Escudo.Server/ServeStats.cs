namespace Escudo.Server;

/// <summary>Counters for <c>GET /escudo/stats</c>.</summary>
internal sealed class ServeStats
{
    private long _events;
    private long _bytes;
    private long _requests;
    private long _authFailures;
    private long _commitFailures;
    private long _searches;
    private long _searchErrors;
    private long _eventsRejected;
    private long _requestsRejected;
    private long _fieldNamesRefused;
    private long _requestErrors;

    public long EventsAccepted => Interlocked.Read(ref _events);

    public long BytesAccepted => Interlocked.Read(ref _bytes);

    public long HecRequests => Interlocked.Read(ref _requests);

    public long AuthFailures => Interlocked.Read(ref _authFailures);

    public long CommitFailures => Interlocked.Read(ref _commitFailures);

    public long Searches => Interlocked.Read(ref _searches);

    public long SearchErrors => Interlocked.Read(ref _searchErrors);

    /// <summary>Events in HEC requests answered with an error (the whole batch is refused, as in Splunk).</summary>
    public long EventsRejected => Interlocked.Read(ref _eventsRejected);

    public long RequestsRejected => Interlocked.Read(ref _requestsRejected);

    /// <summary>Events stored without interning their new field names because the field-name table was full.</summary>
    public long FieldNamesRefused => Interlocked.Read(ref _fieldNamesRefused);

    /// <summary>Requests of any endpoint answered 4xx/5xx.</summary>
    public long RequestErrors => Interlocked.Read(ref _requestErrors);

    public void Rejected(int events)
    {
        Interlocked.Add(ref _eventsRejected, events);
        Interlocked.Increment(ref _requestsRejected);
    }

    public void FieldNamesRefusedOnce() => Interlocked.Increment(ref _fieldNamesRefused);

    public void RequestFailed() => Interlocked.Increment(ref _requestErrors);

    public void AddIngest(int events, long bytes)
    {
        Interlocked.Add(ref _events, events);
        Interlocked.Add(ref _bytes, bytes);
        Interlocked.Increment(ref _requests);
    }

    public void AuthFailed() => Interlocked.Increment(ref _authFailures);

    public void CommitFailed() => Interlocked.Increment(ref _commitFailures);

    public void SearchRan() => Interlocked.Increment(ref _searches);

    public void SearchFailed() => Interlocked.Increment(ref _searchErrors);
}
