using System.Security.Cryptography;
using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Core.Time;
using Escudo.Detections.Content;
using Escudo.Detections.Output;
using Escudo.Server.Storage;

namespace Escudo.Server.Web;

/// <summary>One notable as Incident Review shows it: the stored event, its event time, and the analyst's state merged in.</summary>
internal sealed record NotableView(
    string Id,
    Row Row,
    double EventTime,
    double? LastTime,
    string Urgency,
    string Status,
    string Owner,
    string? Comment,
    string Detection,
    string RuleId,
    string RiskObjects,
    string Title,
    string SearchText)
{
    /// <summary>The notable's own Splunk <c>_time</c> (run or result time), kept apart from the event time shown.</summary>
    public double Time => Row.Time;
}

/// <summary>
/// Reads the notables from the store for the console, in event time (<c>escudo_first_time</c>,
/// or <c>_time</c> when a notable has none), newest first, each with a stable id (a hash of its
/// stored JSON, which holds its rule, scheduled time and result) and its review state.
/// </summary>
internal static class NotableSet
{
    /// <summary>Most notables read for one page; beyond it the page says so.</summary>
    public const int MaxRead = 50_000;

    public static (List<NotableView> Notables, bool Truncated) Load(IServeStore store, INotableReviewStore reviews, ContentFolder? content, CancellationToken ct)
    {
        var states = reviews.All();
        var byId = content?.Detections.GroupBy(d => d.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var pushdown = new Pushdown(new Dictionary<string, IReadOnlyList<string>> { ["index"] = ["notable"] });
        var result = new List<NotableView>();
        var truncated = false;
        foreach (var row in store.Scan(new ScanRequest(new TimeRange(null, null)), pushdown, ct))
        {
            if (row.Get(FieldTable.Index).FirstString() != "notable")
            {
                continue;
            }

            if (result.Count == MaxRead)
            {
                truncated = true;
                break;
            }

            result.Add(View(row, states, byId));
        }

        result.Sort((a, b) => b.EventTime.CompareTo(a.EventTime));
        return (result, truncated);
    }

    /// <summary>A notable's id: the first 16 bytes of the SHA-256 of its stored JSON, in hex.</summary>
    public static string IdOf(Row notable)
    {
        var raw = notable.Get(FieldTable.Raw).FirstString() ?? ResultJson.ToJsonLine(notable);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(raw)).AsSpan(0, 16));
    }

    /// <summary>The notable's state before an edit: its stored review, or the notable's own status and no owner.</summary>
    public static (string Status, string Owner, string? Comment) StateOf(NotableView n) => (n.Status, n.Owner, n.Comment);

    private static NotableView View(Row row, Dictionary<string, NotableReview> states, Dictionary<string, Detection>? detections)
    {
        var id = IdOf(row);
        var first = Number(row, "escudo_first_time");
        var eventTime = first ?? row.Time;
        var ruleId = row.Get("rule_id").FirstString() ?? string.Empty;
        var detection = row.Get("rule_name").FirstString() ?? row.Get("search_name").FirstString() ?? "(unknown)";
        var status = Label(row.Get("status_label").FirstString() ?? row.Get("status").FirstString() ?? "New");
        var owner = row.Get("owner").FirstString() ?? "unassigned";
        string? comment = null;
        if (states.TryGetValue(id, out var review))
        {
            (status, owner, comment) = (review.Status, review.Owner, review.Comment);
        }

        var riskFields = detections is not null && detections.TryGetValue(ruleId, out var d)
            ? AlertBuilder.RiskObjects(d).Where(o => !o.Threat).Select(o => o.Field).Distinct(StringComparer.Ordinal).ToList()
            : ["dest", "user"];
        var objects = riskFields
            .SelectMany(f => row.Get(f) is { IsNull: false } v ? (v.IsMulti ? v.Items.ToArray() : [v.ToDisplayString()]) : [])
            .Distinct(StringComparer.OrdinalIgnoreCase);
        var raw = row.Get(FieldTable.Raw).FirstString() ?? string.Empty;
        return new NotableView(
            id,
            row,
            eventTime,
            Number(row, "escudo_last_time"),
            row.Get("urgency").FirstString() ?? "unknown",
            status,
            owner,
            comment,
            detection,
            ruleId,
            string.Join(", ", objects),
            row.Get("rule_title").FirstString() ?? detection,
            raw + " " + comment);
    }

    /// <summary>ES stores status lower-case (<c>new</c>); the console shows ES's labels.</summary>
    private static string Label(string status) =>
        NotableReviews.Statuses.FirstOrDefault(s => s.Equals(status, StringComparison.OrdinalIgnoreCase)) ?? status;

    private static double? Number(Row row, string field) => row.Get(field).TryGetNumber(out var n) && !double.IsNaN(n) ? n : null;
}
