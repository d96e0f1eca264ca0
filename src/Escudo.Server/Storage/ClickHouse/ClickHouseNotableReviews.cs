using System.Globalization;

namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// Incident Review's edits on a ClickHouse store, in tables of their own on the cluster, so that
/// every server on it reads and writes the same reviews. Both tables are append-only: a notable's
/// current state is its latest row (argMax by time), and the audit trail is every change. On a
/// cluster each shard holds local tables and <c>*_all</c> Distributed tables over them, written
/// with <c>insert_distributed_sync</c> so a change is on its shard when the edit returns.
/// The tables are created here (IF NOT EXISTS), apart from the store's own migrations.
/// ClickHouse has no transactions: the audit rows go in before the state rows, so a failed edit
/// can leave an audit entry without its state change, never a change without its audit entry.
/// </summary>
internal sealed class ClickHouseNotableReviews : INotableReviewStore
{
    private static readonly Dictionary<string, string> SyncInsert = new() { ["insert_distributed_sync"] = "1" };

    private readonly ClickHouseNode _node;
    private readonly string _review;
    private readonly string _audit;
    private readonly Lock _write = new();

    public ClickHouseNotableReviews(ClickHouseStore store)
    {
        var cluster = store.Cluster;
        var database = store.Location.Database;
        foreach (var node in store.Nodes)
        {
            node.Execute("CREATE TABLE IF NOT EXISTS notable_review (notable_id String, status String, owner String, comment String, has_comment UInt8, "
                + "updated_at Float64, updated_by String) ENGINE = MergeTree ORDER BY (notable_id, updated_at)");
            node.Execute("CREATE TABLE IF NOT EXISTS notable_audit (notable_id String, changed_at Float64, username String, field String, "
                + "old_value String, has_old UInt8, new_value String, has_new UInt8) ENGINE = MergeTree ORDER BY (notable_id, changed_at)");
            if (cluster is not null)
            {
                node.Execute($"CREATE TABLE IF NOT EXISTS notable_review_all AS notable_review ENGINE = Distributed({cluster}, {database}, notable_review, cityHash64(notable_id))");
                node.Execute($"CREATE TABLE IF NOT EXISTS notable_audit_all AS notable_audit ENGINE = Distributed({cluster}, {database}, notable_audit, cityHash64(notable_id))");
            }
        }

        _node = store.Nodes[0];
        _review = cluster is null ? "notable_review" : "notable_review_all";
        _audit = cluster is null ? "notable_audit" : "notable_audit_all";
    }

    public Dictionary<string, NotableReview> All()
    {
        var result = new Dictionary<string, NotableReview>(StringComparer.Ordinal);
        var text = _node.Execute(
            // The last column is a number: the answer comes back trimmed, which must not cut an empty text field.
            "SELECT notable_id, argMax(status, updated_at), argMax(owner, updated_at), argMax(comment, updated_at), argMax(has_comment, updated_at), "
            + $"argMax(updated_by, updated_at), max(updated_at) FROM {_review} GROUP BY notable_id FORMAT TabSeparated");
        foreach (var f in Lines(text))
        {
            result[f[0]] = new NotableReview(f[0], f[1], f[2], f[4] == "1" ? f[3] : null, Number(f[6]), f[5]);
        }

        return result;
    }

    public List<NotableAuditEntry> Audit(string notableId)
    {
        var text = _node.Execute(
            $"SELECT notable_id, changed_at, username, field, old_value, has_old, new_value, has_new FROM {_audit} "
            + $"WHERE notable_id = {Sql.Literal(notableId)} ORDER BY changed_at, field FORMAT TabSeparated");
        return [.. Lines(text).Select(f => new NotableAuditEntry(f[0], Number(f[1]), f[2], f[3], f[5] == "1" ? f[4] : null, f[7] == "1" ? f[6] : null))];
    }

    public int Apply(IReadOnlyList<string> ids, string? status, string? owner, string? comment, string user, double now, Func<string, (string Status, string Owner, string? Comment)> current)
    {
        NotableReviews.Check(ids, status, owner, comment);
        lock (_write)
        {
            var audit = new List<string>();
            var states = new List<string>();
            foreach (var id in ids.Distinct(StringComparer.Ordinal))
            {
                var before = current(id);
                var after = (Status: status ?? before.Status, Owner: owner ?? before.Owner, Comment: comment ?? before.Comment);
                var changes = new[] { ("status", before.Status, after.Status), ("owner", before.Owner, after.Owner), ("comment", before.Comment, after.Comment) }
                    .Where(c => !string.Equals(c.Item2, c.Item3, StringComparison.Ordinal))
                    .ToList();
                if (changes.Count == 0)
                {
                    continue;
                }

                foreach (var (field, old, @new) in changes)
                {
                    audit.Add($"({Sql.Literal(id)}, {Sql.Number(now)}, {Sql.Literal(user)}, {Sql.Literal(field)}, {Sql.Literal(old ?? string.Empty)}, {(old is null ? 0 : 1)}, "
                        + $"{Sql.Literal(@new ?? string.Empty)}, {(@new is null ? 0 : 1)})");
                }

                states.Add($"({Sql.Literal(id)}, {Sql.Literal(after.Status)}, {Sql.Literal(after.Owner)}, {Sql.Literal(after.Comment ?? string.Empty)}, "
                    + $"{(after.Comment is null ? 0 : 1)}, {Sql.Number(now)}, {Sql.Literal(user)})");
            }

            if (states.Count == 0)
            {
                return 0;
            }

            _node.Execute($"INSERT INTO {_audit} VALUES {string.Join(", ", audit)}", settings: SyncInsert);
            _node.Execute($"INSERT INTO {_review} VALUES {string.Join(", ", states)}", settings: SyncInsert);
            return states.Count;
        }
    }

    private static IEnumerable<string[]> Lines(string tsv) =>
        tsv.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t').Select(Sql.UnescapeTsv).ToArray());

    private static double Number(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);
}
