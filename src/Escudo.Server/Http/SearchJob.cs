namespace Escudo.Server.Http;

/// <summary>
/// One search job: runs on a background task under its own cancellation source (cancel and
/// finalize trip it), keeps its results up to a limit, and records its state as Splunk's job
/// entity reports it (<c>dispatchState</c>, <c>doneProgress</c>, <c>isDone</c>, ...).
/// </summary>
internal sealed class SearchJob(string sid, string owner, string author, string search, string? earliestTime, string? latestTime, DateTimeOffset created)
{
    private readonly Lock _gate = new();
    private readonly List<ResultRecord> _results = [];
    private readonly List<(string Type, string Text)> _messages = [];
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Sid { get; } = sid;

    public string Owner { get; } = owner;

    public string Author { get; } = author;

    public string Search { get; } = search;

    public string? EarliestTime { get; } = earliestTime;

    public string? LatestTime { get; } = latestTime;

    public DateTimeOffset Created { get; } = created;

    public DateTimeOffset LastUsed { get; private set; } = created;

    /// <summary>QUEUED, PARSING, RUNNING, FINALIZING, DONE or FAILED, as Splunk names them.</summary>
    public string DispatchState { get; private set; } = "QUEUED";

    public bool IsFinalized { get; private set; }

    public bool IsCancelled { get; private set; }

    public bool IsDone => DispatchState is "DONE" or "FAILED";

    public Task Finished => _finished.Task;

    public CancellationTokenSource Stop { get; } = new();

    public int ResultCount
    {
        get
        {
            lock (_gate)
            {
                return _results.Count;
            }
        }
    }

    public void Touch(DateTimeOffset now) => LastUsed = now;

    public List<ResultRecord> Page(int offset, int count)
    {
        lock (_gate)
        {
            offset = Math.Clamp(offset, 0, _results.Count);
            var n = count <= 0 ? _results.Count - offset : Math.Min(count, _results.Count - offset);
            return _results.GetRange(offset, n);
        }
    }

    public List<(string Type, string Text)> Messages()
    {
        lock (_gate)
        {
            return [.. _messages];
        }
    }

    /// <summary>Runs the search to its end, its limit, a failure, or until <see cref="Stop"/> is tripped.</summary>
    public void Run(SearchEndpoints search, int maxResults, Action onFailed)
    {
        try
        {
            DispatchState = "PARSING";
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(Stop.Token);
            var prepared = search.Prepare(Search, EarliestTime, LatestTime, cts);
            if (prepared.Error is { } error)
            {
                Fail(error.Text);
                onFailed();
                return;
            }

            DispatchState = "RUNNING";
            try
            {
                foreach (var row in prepared.Rows!)
                {
                    // Cancel and finalize take effect between rows even where the engine does not watch the token.
                    Stop.Token.ThrowIfCancellationRequested();
                    lock (_gate)
                    {
                        if (_results.Count >= maxResults)
                        {
                            _messages.Add(("WARN", $"The job kept its first {maxResults} results (the server's jobMaxResults limit); the rest were dropped."));
                            break;
                        }

                        _results.Add(ResultRecord.From(row));
                    }
                }
            }
            catch (OperationCanceledException) when (Stop.IsCancellationRequested)
            {
                // Finalize keeps what was found so far; cancel discards the job anyway.
            }
            catch (Exception e) when (search.Classify(e, Stop.Token) is { } failure)
            {
                Fail(failure.Text);
                onFailed();
                return;
            }

            lock (_gate)
            {
                foreach (var w in prepared.Warnings)
                {
                    _messages.Add(("WARN", w));
                }
            }

            DispatchState = "DONE";
        }
        finally
        {
            _finished.TrySetResult();
        }
    }

    /// <summary>Stops the search; it ends DONE with the results found so far (Splunk's finalize).</summary>
    public void FinalizeSearch()
    {
        if (!IsDone)
        {
            IsFinalized = true;
            DispatchState = "FINALIZING";
            Stop.Cancel();
        }
    }

    /// <summary>Stops the search for good (Splunk's cancel); the registry drops the job.</summary>
    public void Cancel()
    {
        IsCancelled = true;
        Stop.Cancel();
    }

    private void Fail(string text)
    {
        lock (_gate)
        {
            _messages.Add(("FATAL", text));
        }

        DispatchState = "FAILED";
    }
}
