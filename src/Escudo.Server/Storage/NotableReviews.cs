using DuckDB.NET.Data;

namespace Escudo.Server.Storage;

/// <summary>An analyst's state of one notable: its status, owner and latest comment.</summary>
public sealed record NotableReview(string NotableId, string Status, string Owner, string? Comment, double UpdatedAt, string UpdatedBy);

/// <summary>One change to a notable: who, when, which field, old → new.</summary>
public sealed record NotableAuditEntry(string NotableId, double At, string User, string Field, string? Old, string? New);

/// <summary>
/// Incident Review's edits, kept in the service's DuckDB file next to the events, in tables of
/// their own: the current state per notable and an append-only audit trail. Notables themselves
/// are never rewritten (they are events, as in Enterprise Security, where status lives in a
/// separate KV store). Each edit is one transaction, so state and trail never disagree.
/// </summary>
public sealed class NotableReviews : INotableReviewStore
{
    /// <summary>Enterprise Security's notable statuses.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["New", "In Progress", "Pending", "Resolved", "Closed"];

    public const int MaxComment = 4000;
    public const int MaxOwner = 200;
    public const int MaxBulk = 1000;

    private readonly string _path;
    private readonly Lock _write = new();

    public NotableReviews(string databasePath)
    {
        _path = databasePath;
        using var c = Open();
        Execute(c, """
            CREATE TABLE IF NOT EXISTS notable_review(
              notable_id VARCHAR PRIMARY KEY, status VARCHAR, owner VARCHAR, comment VARCHAR, updated_at DOUBLE, updated_by VARCHAR);
            CREATE TABLE IF NOT EXISTS notable_audit(
              notable_id VARCHAR, changed_at DOUBLE, username VARCHAR, field VARCHAR, old_value VARCHAR, new_value VARCHAR);
            """);
    }

    /// <summary>The current state of every reviewed notable.</summary>
    public Dictionary<string, NotableReview> All()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT notable_id, status, owner, comment, updated_at, updated_by FROM notable_review";
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<string, NotableReview>(StringComparer.Ordinal);
        while (r.Read())
        {
            result[r.GetString(0)] = new NotableReview(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetDouble(4), r.GetString(5));
        }

        return result;
    }

    /// <summary>The audit trail of one notable, oldest first.</summary>
    public List<NotableAuditEntry> Audit(string notableId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT notable_id, changed_at, username, field, old_value, new_value FROM notable_audit WHERE notable_id = $1 ORDER BY changed_at, field";
        cmd.Parameters.Add(new DuckDBParameter(notableId));
        using var r = cmd.ExecuteReader();
        var result = new List<NotableAuditEntry>();
        while (r.Read())
        {
            result.Add(new NotableAuditEntry(r.GetString(0), r.GetDouble(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4), r.IsDBNull(5) ? null : r.GetString(5)));
        }

        return result;
    }

    /// <summary>
    /// Applies one edit to several notables (bulk edit): a null argument leaves that field as it
    /// is. <paramref name="current"/> gives each notable's state before the edit (its stored review,
    /// or the notable's own status and owner). Returns how many notables changed.
    /// </summary>
    public int Apply(IReadOnlyList<string> ids, string? status, string? owner, string? comment, string user, double now, Func<string, (string Status, string Owner, string? Comment)> current)
    {
        Check(ids, status, owner, comment);
        lock (_write)
        {
            using var c = Open();
            using var tx = c.BeginTransaction();
            var changed = 0;
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                var before = current(id);
                var after = (Status: status ?? before.Status, Owner: owner ?? before.Owner, Comment: comment ?? before.Comment);
                var any = false;
                any |= AuditField(c, id, "status", before.Status, after.Status, user, now);
                any |= AuditField(c, id, "owner", before.Owner, after.Owner, user, now);
                any |= AuditField(c, id, "comment", before.Comment, after.Comment, user, now);
                if (!any)
                {
                    continue;
                }

                using var cmd = c.CreateCommand();
                cmd.CommandText = "INSERT OR REPLACE INTO notable_review VALUES ($1, $2, $3, $4, $5, $6)";
                cmd.Parameters.Add(new DuckDBParameter(id));
                cmd.Parameters.Add(new DuckDBParameter(after.Status));
                cmd.Parameters.Add(new DuckDBParameter(after.Owner));
                cmd.Parameters.Add(new DuckDBParameter((object?)after.Comment ?? DBNull.Value));
                cmd.Parameters.Add(new DuckDBParameter(now));
                cmd.Parameters.Add(new DuckDBParameter(user));
                cmd.ExecuteNonQuery();
                changed++;
            }

            tx.Commit();
            return changed;
        }
    }

    /// <summary>The limits and statuses every review store holds an edit to; an ArgumentException names the one broken.</summary>
    public static void Check(IReadOnlyList<string> ids, string? status, string? owner, string? comment)
    {
        if (ids.Count > MaxBulk)
        {
            throw new ArgumentException($"at most {MaxBulk} notables can be edited at once; {ids.Count} were selected");
        }

        if (status is not null && !Statuses.Contains(status, StringComparer.Ordinal))
        {
            throw new ArgumentException($"unknown status '{status}'; one of: {string.Join(", ", Statuses)}");
        }

        if (owner is { Length: > MaxOwner } || comment is { Length: > MaxComment })
        {
            throw new ArgumentException($"an owner is at most {MaxOwner} characters and a comment at most {MaxComment}");
        }
    }

    private static bool AuditField(DuckDBConnection c, string id, string field, string? old, string? @new, string user, double now)
    {
        if (string.Equals(old, @new, StringComparison.Ordinal))
        {
            return false;
        }

        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO notable_audit VALUES ($1, $2, $3, $4, $5, $6)";
        cmd.Parameters.Add(new DuckDBParameter(id));
        cmd.Parameters.Add(new DuckDBParameter(now));
        cmd.Parameters.Add(new DuckDBParameter(user));
        cmd.Parameters.Add(new DuckDBParameter(field));
        cmd.Parameters.Add(new DuckDBParameter((object?)old ?? DBNull.Value));
        cmd.Parameters.Add(new DuckDBParameter((object?)@new ?? DBNull.Value));
        cmd.ExecuteNonQuery();
        return true;
    }

    /// <summary>A connection of its own per call, through the store's instance of the file when it is open (<see cref="DuckDbFiles"/>); nothing stays open after the store closes.</summary>
    private DuckDBConnection Open() => DuckDbFiles.Open(_path);

    private static void Execute(DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
