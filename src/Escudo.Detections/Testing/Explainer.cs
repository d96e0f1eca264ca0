using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Storage;
using Escudo.Detections.Content;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Facts;

namespace Escudo.Detections.Testing;

/// <summary>
/// Says why a detection returns nothing: for the base search, how many events match each clause
/// on its own and how many survive the clauses so far; for tstats, how many rows the data model
/// dataset has and how many pass each where clause; then how many rows leave each pipeline stage.
/// </summary>
public static class Explainer
{
    public static string Explain(Detection d, string expandedSearch, SearchContext ctx)
    {
        var sb = new StringBuilder();
        if (SearchFacts.Leading(expandedSearch, out var error) is not { } leading)
        {
            return "the search does not parse: " + error!.Format(expandedSearch);
        }

        if (leading.Kind == LeadingKind.Events)
        {
            var events = ctx.Events.Scan(ScanRequest.All).ToList();
            sb.Append("base search over ").Append(events.Count).AppendLine(" events:");
            Clauses(sb, leading.Clauses, events, ctx);
        }
        else if (leading.Kind == LeadingKind.DataModel && ctx.DataModels is { } dms)
        {
            var name = leading.DataModel ?? "?";
            var ds = dms.Catalog.Resolve(name);
            if (ds is null)
            {
                sb.Append("data model ").Append(name).AppendLine(" is unknown");
            }
            else
            {
                var rows = dms.Rows(ds, ScanRequest.All).ToList();
                sb.Append("data model ").Append(ds.FullName).Append(" (").Append(ds.ConstraintText).Append("): ").Append(rows.Count).AppendLine(" rows");
                Clauses(sb, leading.Clauses, rows, ctx);
            }
        }

        var compiled = SplEngine.Compile(expandedSearch, ctx);
        if (compiled.Success)
        {
            var (_, counts) = compiled.Search!.RunCounting();
            sb.AppendLine("rows after each stage:");
            for (var i = 0; i < counts.Length; i++)
            {
                sb.Append("  ").Append(counts[i].ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(8)).Append("  ").AppendLine(compiled.Search.Operators[i].Describe());
            }
        }

        return sb.ToString().TrimEnd();
    }

    private static void Clauses(StringBuilder sb, IReadOnlyList<SearchClause> terms, List<Row> rows, SearchContext ctx)
    {
        IEnumerable<Row> surviving = rows;
        foreach (var term in terms)
        {
            var clause = term.Text;
            if (clause.Length > 100)
            {
                clause = clause[..97] + "...";
            }

            Func<Row, bool> pred;
            try
            {
                pred = term.Predicate(ctx);
            }
            catch (Core.Diagnostics.DiagnosticException e)
            {
                // A subsearch clause is not counted on its own; the stage counts below include it.
                sb.Append("  not counted (").Append(e.Diagnostic.Message).Append(")  ").AppendLine(clause);
                continue;
            }

            var alone = rows.Count(pred);
            var list = surviving.Where(pred).ToList();
            surviving = list;

            sb.Append("  ").Append(alone.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(8)).Append(" match alone, ")
              .Append(list.Count.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(8)).Append(" remain  ").AppendLine(clause);
        }
    }
}
