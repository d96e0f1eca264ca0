using System.Diagnostics;
using System.Globalization;
using Escudo.Core.DataModels;
using Escudo.Core.Events;
using Escudo.Ingest.Sources;

// Usage:
//   dotnet run -c Release --project bench/mapping -- bench <folder-or-file>... [--rounds N]
//       times reading + field extraction (EVTX/zip decoded into rows with the add-on rules), then
//       data model mapping (every CIM dataset: Matches, and Project for the rows that match), single thread
//   dotnet run -c Release --project bench/mapping -- counts <folder-or-file>...   per file: data model row counts
//   dotnet run -c Release --project bench/mapping -- dump <file> <EventRecordID>   every field of one event
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: bench <paths>... [--rounds N] | counts <paths>... | dump <file> <EventRecordID>");
    return 2;
}

var datasets = DataModelCatalog.Cim.Datasets.ToArray();

if (args[0] == "dump")
{
    var recordId = FieldTable.Intern("EventRecordID");
    foreach (var row in InputReader.Read(args[1]))
    {
        if (row.Get(recordId).ToDisplayString() != args[2])
        {
            continue;
        }

        for (var i = 0; i < row.Count; i++)
        {
            if (row.NameAt(i) is "_raw" or "EventData_Xml" or "System_Props_Xml")
            {
                continue;
            }

            Console.WriteLine($"{row.NameAt(i)}={string.Join(" | ", row.ValueAt(i).Items.ToArray())}");
        }

        foreach (var ds in datasets.Where(d => DataModelMapper.Matches(d, row)))
        {
            Console.WriteLine("== " + ds.FullName);
            var p = DataModelMapper.Project(ds, row);
            for (var i = 0; i < p.Count; i++)
            {
                Console.WriteLine($"  {p.NameAt(i)}={string.Join(" | ", p.ValueAt(i).Items.ToArray())}");
            }
        }
    }

    return 0;
}

var rounds = 3;
var paths = new List<string>();
for (var i = 1; i < args.Length; i++)
{
    if (args[i] == "--rounds")
    {
        rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
    }
    else
    {
        paths.Add(args[i]);
    }
}

var files = paths
    .SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p])
    .Where(f => f.EndsWith(".evtx", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
    .Order(StringComparer.Ordinal)
    .ToList();

if (args[0] == "counts")
{
    foreach (var f in files)
    {
        var counts = new int[datasets.Length];
        var n = 0;
        foreach (var row in InputReader.Read(f))
        {
            n++;
            for (var d = 0; d < datasets.Length; d++)
            {
                if (DataModelMapper.Matches(datasets[d], row))
                {
                    counts[d]++;
                }
            }
        }

        var parts = datasets.Select((d, i) => (d, c: counts[i])).Where(x => x.c > 0).Select(x => $"{x.d.FullName}={x.c}");
        Console.WriteLine($"{f}\t{n}\t{string.Join(",", parts)}");
    }

    return 0;
}

var data = files.Select(f => (Name: f, Bytes: File.ReadAllBytes(f))).ToList();
var bytes = data.Sum(d => (long)d.Bytes.Length);
Console.WriteLine($"{files.Count} files, {bytes / 1e6:F1} MB, {rounds} rounds, {datasets.Length} datasets");
for (var round = 1; round <= rounds; round++)
{
    long events = 0, dmRows = 0;
    var extract = TimeSpan.Zero;
    var mapping = TimeSpan.Zero;
    var sw = new Stopwatch();
    foreach (var (name, content) in data)
    {
        // Rows are materialised per file so the two stages can be timed apart.
        sw.Restart();
        var rows = InputReader.ReadStream(new MemoryStream(content, writable: false), name, EventReadOptions.Default, null).ToList();
        extract += sw.Elapsed;
        sw.Restart();
        foreach (var row in rows)
        {
            foreach (var ds in datasets)
            {
                if (DataModelMapper.Matches(ds, row))
                {
                    DataModelMapper.Project(ds, row);
                    dmRows++;
                }
            }
        }

        mapping += sw.Elapsed;
        events += rows.Count;
    }

    var total = extract + mapping;
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"round {round}: {events} events, {dmRows} data model rows; read+extract {extract.TotalSeconds:F2} s ({events / extract.TotalSeconds:F0} ev/s), " +
        $"data model mapping {mapping.TotalSeconds:F2} s ({events / mapping.TotalSeconds:F0} ev/s), together {events / total.TotalSeconds:F0} ev/s"));
}

return 0;
