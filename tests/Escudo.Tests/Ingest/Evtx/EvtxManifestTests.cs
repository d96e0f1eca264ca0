using Escudo.Ingest;
using Escudo.Ingest.Evtx;

namespace Escudo.Tests.Ingest.Evtx;

/// <summary>Record counts per file against MANIFEST.tsv's events column.</summary>
public class EvtxManifestTests
{
    [Fact]
    public void EvtxRecordCountsMatchTheManifest()
    {
        var manifest = EvtxTestSupport.Manifest();
        var checkedFiles = 0;
        var mismatches = new List<string>();
        foreach (var (relative, row) in manifest.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var path = Path.Combine(EvtxTestSupport.Datasets, relative);
            Assert.True(File.Exists(path), $"{relative} is in MANIFEST.tsv but not on disk");
            var problems = new List<IngestProblem>();
            int count;
            using (var evtx = EvtxFile.Open(path))
            {
                count = evtx.ReadRecords(problems.Add).Count();
            }

            if (row.Events is int expected)
            {
                checkedFiles++;
                if (count != expected)
                {
                    mismatches.Add($"{relative}: manifest {expected}, Escudo {count}; problems: {string.Join(" | ", problems.Take(3))}");
                }
            }
            else if (count == 0)
            {
                // The manifest has no count for the 13 files evtxexport cannot read; Escudo must still read them.
                mismatches.Add($"{relative}: no manifest count and Escudo reads no record; problems: {string.Join(" | ", problems.Take(3))}");
            }
        }

        Assert.True(checkedFiles > 350, $"only {checkedFiles} manifest rows with an event count");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    [Fact]
    public void EvtxFilesWithoutEvtxexportOutputHoldTheEventIdsOfTheirNames()
    {
        // The manifest knows these files' event IDs only from their names ("ID1149-...",
        // "ID800-4103-..."): every EventID Escudo reads must be one the name lists.
        var manifest = EvtxTestSupport.Manifest();
        var failures = new List<string>();
        var files = 0;
        foreach (var (relative, row) in manifest)
        {
            if (!row.EvtxexportReadNothing)
            {
                continue;
            }

            files++;
            var name = Path.GetFileName(relative);
            var idPart = name.StartsWith("ID", StringComparison.Ordinal) ? name[2..].Split(' ', '-')[0..].TakeWhile(p => p.Length > 0 && p.All(c => char.IsDigit(c) || c == ',')).SelectMany(p => p.Split(',')).ToHashSet() : [];
            using var evtx = EvtxFile.Open(Path.Combine(EvtxTestSupport.Datasets, relative));
            var ids = evtx.ReadRecords().Select(r => System.Text.RegularExpressions.Regex.Match(r.Xml, "<EventID[^>]*>(\\d+)</EventID>").Groups[1].Value).ToHashSet();
            if (ids.Count == 0 || (idPart.Count > 0 && !ids.Overlaps(idPart)))
            {
                failures.Add($"{relative}: name lists {string.Join(",", idPart)}, Escudo reads EventIDs {string.Join(",", ids)}");
            }
        }

        Assert.Equal(13, files);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
