using System.Diagnostics;
using Escudo.Ingest.Evtx;

// Usage:
//   dotnet run -c Release --project bench/evtx -- bench <folder-or-file>...   time all .evtx files (single thread)
//   dotnet run -c Release --project bench/evtx -- dump <file>                 print records (one XML line each) and problems
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: bench <paths>... | dump <file>");
    return 2;
}

if (args[0] == "dump")
{
    using var f = EvtxFile.Open(args[1]);
    foreach (var r in f.ReadRecords(p => Console.Error.WriteLine("PROBLEM " + p)))
    {
        Console.WriteLine(r.Xml);
    }

    return 0;
}

var files = args.Skip(1)
    .SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*.evtx", SearchOption.AllDirectories) : [p])
    .Order(StringComparer.Ordinal)
    .ToList();
var data = files.Select(File.ReadAllBytes).ToList();
long bytes = data.Sum(d => (long)d.Length);

long Run()
{
    long n = 0;
    for (var i = 0; i < data.Count; i++)
    {
        using var f = EvtxFile.Open(new MemoryStream(data[i], writable: false), files[i]);
        foreach (var r in f.ReadRecords())
        {
            n += r.Xml.Length > 0 ? 1 : 0;
        }
    }

    return n;
}

Run(); // warm-up (JIT)
var rounds = args[0] == "bench" ? 10 : 1;
for (var round = 0; round < rounds; round++)
{
    var sw = Stopwatch.StartNew();
    var records = Run();
    sw.Stop();
    Console.WriteLine($"{files.Count} files, {bytes / 1e6:F1} MB, {records} records in {sw.Elapsed.TotalSeconds:F3} s: {records / sw.Elapsed.TotalSeconds:F0} records/s, {bytes / 1e6 / sw.Elapsed.TotalSeconds:F1} MB/s");
}

return 0;
