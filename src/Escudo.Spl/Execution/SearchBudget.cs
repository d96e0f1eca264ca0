using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Spl.Execution;

/// <summary>
/// What one running search has spent against its limits: rows and (estimated) bytes held by
/// blocking commands, rows made by generating commands, and time spent in backtracking regular
/// expressions; and whether it was cancelled (time limit, client gone, Ctrl-C). Operators charge
/// it as they work, so a search past a limit stops with a message naming the limit and how to
/// raise it instead of taking the process's memory or running for hours.
/// </summary>
/// <remarks>Thread-safe: the shared pass may feed one search from several threads.</remarks>
public sealed class SearchBudget
{
    /// <summary>How many rows a loop may go between two cancellation checks: a check is a volatile read, rows cost far more.</summary>
    public const int CheckEvery = 64;

    private readonly SearchContext _context;
    private long _rowsHeld;
    private long _bytesHeld;
    private long _regexTicks;

    internal SearchBudget(SearchContext context) => _context = context;

    public CancellationToken Cancellation => _context.Cancellation;

    /// <summary>Rows held right now by the search's blocking commands.</summary>
    public long RowsHeld => Interlocked.Read(ref _rowsHeld);

    /// <summary>Estimated bytes of the rows held right now.</summary>
    public long BytesHeld => Interlocked.Read(ref _bytesHeld);

    /// <summary>Time spent so far in regular expressions that run on the backtracking engine.</summary>
    public TimeSpan RegexTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _regexTicks));

    /// <summary>Throws <see cref="OperationCanceledException"/> once the search's token is cancelled.</summary>
    public void ThrowIfCancelled() => _context.Cancellation.ThrowIfCancellationRequested();

    /// <summary>Starts holding rows for a blocking command; disposing gives them back to the budget.</summary>
    public HeldRows Hold(string command) => new(this, command);

    /// <summary>Reads all the rows into a list charged to the budget for good (the search's final results, kept until it ends).</summary>
    public List<Row> Collect(IEnumerable<Row> rows, string command)
    {
        var held = new HeldRows(this, command);
        held.AddAll(rows);
        return held.Rows;
    }

    internal void Charge(long rows, long bytes, string command)
    {
        var r = Interlocked.Add(ref _rowsHeld, rows);
        var b = Interlocked.Add(ref _bytesHeld, bytes);
        if (r > _context.MaxRowsInMemory)
        {
            throw RowLimit(command);
        }

        if (b > _context.MaxBytesInMemory)
        {
            throw new SearchLimitException(
                $"{command} would hold more than {Mb(_context.MaxBytesInMemory)} of rows in memory ({N(r)} rows), this search's limit (max memory); "
                + "narrow the search, keep fewer fields or rows (fields, table, stats) or raise the limit (escudo search --max-memory, serve config searchMaxMemoryBytes)");
        }
    }

    /// <summary>
    /// A command that keeps a collection of its own (a tail's last rows, dedup's combinations seen,
    /// top's value counts, streamstats' groups) holds <paramref name="held"/> entries: past the row
    /// limit the search stops. Each entry is counted as one row.
    /// </summary>
    internal void CheckHeld(long held, string command)
    {
        if (held > _context.MaxRowsInMemory)
        {
            throw RowLimit(command);
        }
    }

    private SearchLimitException RowLimit(string command) => new(
        $"{command} would hold more than {N(_context.MaxRowsInMemory)} rows in memory, this search's limit (max rows in memory); "
        + "narrow the search, keep fewer rows (head, fields, stats) or raise the limit (escudo search --max-rows-in-memory, serve config searchMaxRowsInMemory)");

    internal void Release(long rows, long bytes)
    {
        Interlocked.Add(ref _rowsHeld, -rows);
        Interlocked.Add(ref _bytesHeld, -bytes);
    }

    /// <summary>A generating command made its <paramref name="count"/>th row: past the row limit the search stops.</summary>
    internal void Generated(long count, string command)
    {
        if (count > _context.MaxRowsInMemory)
        {
            throw new SearchLimitException(
                $"{command} generated more than {N(_context.MaxRowsInMemory)} rows, this search's limit (max rows in memory); "
                + "generate fewer rows or raise the limit (escudo search --max-rows-in-memory, serve config searchMaxRowsInMemory)");
        }
    }

    /// <summary>
    /// Runs one match of a backtracking regular expression and charges its time. The per-match
    /// timeout only bounds one value; this bounds the search, so a pattern that is slow on every
    /// event stops the search after its budget instead of running for hours.
    /// </summary>
    internal T TimeRegex<T>(Regex re, Func<T> match)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            return match();
        }
        finally
        {
            var spent = Interlocked.Add(ref _regexTicks, Stopwatch.GetTimestamp() - started);
            if (Stopwatch.GetElapsedTime(0, spent) >= _context.RegexTimeBudget)
            {
                throw new SearchLimitException(
                    $"regular expression `{re}` used up this search's regex time budget of {_context.RegexTimeBudget.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s "
                    + "(it needs the backtracking engine: lookarounds, backreferences or atomic groups); "
                    + "simplify the pattern, narrow the search, or raise the budget (escudo search --regex-budget, serve config searchRegexBudgetSeconds)");
            }
        }
    }

    /// <summary>
    /// A rough size of a row in memory: object headers and field slots, plus two bytes a character
    /// of every string. It over-counts rows that share strings or a base event, which only makes
    /// the limit cautious.
    /// </summary>
    public static long EstimateBytes(Row row)
    {
        // A row object with its Bloom filter, and id and value arrays of at least four slots.
        long bytes = 160 + (Math.Max(row.Count, 4) * 32L);
        for (var i = 0; i < row.Count; i++)
        {
            var v = row.ValueAt(i);
            if (v.Kind == ValueKind.String)
            {
                bytes += 24 + (2L * v.RawString!.Length);
            }
            else if (v.Kind == ValueKind.Multi)
            {
                foreach (var item in v.Items)
                {
                    bytes += 32 + (2L * item.Length);
                }
            }
        }

        return bytes;
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MB";
}

/// <summary>Rows a blocking command holds, charged to its search's budget until disposed.</summary>
public sealed class HeldRows : IDisposable
{
    private readonly SearchBudget _budget;
    private readonly string _command;
    private long _bytes;
    private long _charged;
    private long _pendingRows;
    private long _pendingBytes;

    internal HeldRows(SearchBudget budget, string command)
    {
        _budget = budget;
        _command = command;
    }

    public List<Row> Rows { get; } = [];

    public void Add(Row row)
    {
        Rows.Add(row);
        _pendingBytes += SearchBudget.EstimateBytes(row);
        _pendingRows++;
        if (_pendingRows == SearchBudget.CheckEvery)
        {
            // Charged in batches: the shared counters are touched once every few rows, and a
            // limit is overshot by at most that many.
            Flush();
            _budget.ThrowIfCancelled();
        }
    }

    public void AddAll(IEnumerable<Row> rows)
    {
        foreach (var r in rows)
        {
            Add(r);
        }

        Flush();
    }

    private void Flush()
    {
        if (_pendingRows == 0)
        {
            return;
        }

        var (rows, bytes) = (_pendingRows, _pendingBytes);
        _pendingRows = 0;
        _pendingBytes = 0;
        _charged += rows;
        _bytes += bytes;
        _budget.Charge(rows, bytes, _command);
    }

    /// <summary>
    /// The command has read everything and starts giving rows on: they are charged again by any
    /// blocking command downstream, so they stop counting here (counting a row twice would
    /// make a chain like <c>sort | eventstats</c> fail at half its limit).
    /// </summary>
    public void Emitting()
    {
        _pendingRows = 0;
        _pendingBytes = 0;
        _budget.Release(_charged, _bytes);
        _charged = 0;
        _bytes = 0;
    }

    public void Dispose()
    {
        Emitting();
        Rows.Clear();
    }
}
