using System.IO.Compression;
using System.Text;
using Escudo.Core.Events;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Ingest.Json;
using Escudo.Ingest.Xml;

namespace Escudo.Ingest.Sources;

/// <summary>
/// Reads any input Escudo accepts: a file or a folder (recursively, in name order, each real
/// path once), with the format found from the content (EVTX magic <c>ElfFile\0</c>,
/// <c>&lt;Event</c>, <c>{</c>, zip; UTF-8 with or without a byte order mark, or UTF-16), never
/// from the extension alone. Each event is read and mapped once; problems are reported and
/// skipped, and reading goes on.
/// </summary>
public static class InputReader
{
    /// <summary>How far into a text file format detection looks for the first <c>&lt;Event</c> (past a long prolog or leading white space).</summary>
    private const int MaxDetectBytes = 1 << 20;

    /// <summary>An EVTX file inside a zip is read from memory (it needs random access per chunk) up to this size.</summary>
    private const long MaxBufferedEvtxBytes = 512L * 1024 * 1024;

    private static readonly int SystemTimeId = FieldTable.Intern("SystemTime");

    public static IEnumerable<Row> Read(string path, EventReadOptions? options = null, Action<IngestProblem>? problems = null)
    {
        options ??= EventReadOptions.Default;
        if (Directory.Exists(path))
        {
            return ReadFolder(path, options, problems);
        }

        if (!File.Exists(path))
        {
            problems?.Invoke(new IngestProblem(path, 0, "input", "no such file or folder"));
            return [];
        }

        // A file named on the command line is read whatever it is: a FIFO there is a pipe the
        // user set up (`--input <(zcat x.gz)`); inside folders only regular files are read.
        return ReadFile(path, path, options, problems, quietUnknown: false);
    }

    /// <summary>Reference renderings and metadata that live beside datasets are not events.</summary>
    private static bool IsSidecar(string name) =>
        name.EndsWith(".evtxexport.txt", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("LICENSE", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith('.'); // .git, .DS_Store: tool state, not data

    private static IEnumerable<Row> ReadFolder(string root, EventReadOptions options, Action<IngestProblem>? problems)
    {
        string realRoot;
        try
        {
            realRoot = RealPath.Of(root);
        }
        catch (IOException e)
        {
            problems?.Invoke(new IngestProblem(root, 0, "folder", e.Message));
            return [];
        }

        var visited = new HashSet<string>(StringComparer.Ordinal) { realRoot };
        return Walk(root, realRoot, visited, options, problems);
    }

    /// <summary>
    /// Depth first in name order. Every folder and file is identified by its real path (links
    /// resolved), so a link back up the tree or two links to each other are followed once and
    /// each file is read once however many links lead to it.
    /// </summary>
    private static IEnumerable<Row> Walk(string dir, string realDir, HashSet<string> visited, EventReadOptions options, Action<IngestProblem>? problems)
    {
        List<FileSystemInfo> entries;
        try
        {
            entries = [.. new DirectoryInfo(dir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems?.Invoke(new IngestProblem(dir, 0, "folder", e.Message));
            yield break;
        }

        foreach (var entry in entries)
        {
            if (IsSidecar(entry.Name))
            {
                continue;
            }

            var shown = Path.Combine(dir, entry.Name); // named as the user's path leads to it

            string real;
            if (entry.LinkTarget is not null)
            {
                try
                {
                    real = RealPath.Of(shown);
                }
                catch (IOException e)
                {
                    problems?.Invoke(new IngestProblem(shown, 0, "symbolic link", e.Message + "; skipped"));
                    continue;
                }
            }
            else
            {
                real = Path.Combine(realDir, entry.Name);
            }

            if (!visited.Add(real))
            {
                continue; // already read through another path
            }

            if (Directory.Exists(real))
            {
                foreach (var row in Walk(shown, real, visited, options, problems))
                {
                    yield return row;
                }

                continue;
            }

            if (!File.Exists(real))
            {
                problems?.Invoke(new IngestProblem(shown, 0, "input", entry.LinkTarget is not null ? $"link to {entry.LinkTarget}, which does not exist; skipped" : "vanished while the folder was read; skipped"));
                continue;
            }

            // FIFOs, sockets and devices have no size; opening a FIFO blocks until someone writes
            // and a device may never end. An empty regular file has no events either.
            if (new FileInfo(real).Length == 0)
            {
                problems?.Invoke(new IngestProblem(shown, 0, "input", "empty, or not a regular file (FIFO, socket or device): nothing read"));
                continue;
            }

            foreach (var row in ReadFile(shown, real, options, problems, quietUnknown: false))
            {
                yield return row;
            }
        }
    }

    public static InputFormat Detect(ReadOnlySpan<byte> head) => DetectText(head, complete: true).Format;

    /// <summary>What the first bytes say, and in which encoding the text is; <c>NeedMore</c> when only more bytes can tell.</summary>
    private readonly record struct Detection(InputFormat Format, Encoding? Encoding, bool NeedMore = false);

    private static Detection DetectText(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.StartsWith("ElfFile\0"u8))
        {
            return new(InputFormat.Evtx, null);
        }

        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
        {
            return new(InputFormat.Zip, null);
        }

        // The byte order mark, or for UTF-16 without one the zero byte beside each ASCII one.
        // (The marks are written as byte arrays: "\xEF" in a C# string is U+00EF, so a u8
        // literal of it is C3 AF and never matched a UTF-8 mark.)
        Encoding encoding;
        if (head.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            encoding = Encoding.UTF8;
            head = head[3..];
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            encoding = Encoding.Unicode;
            head = head[2..];
        }
        else if (head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            encoding = Encoding.BigEndianUnicode;
            head = head[2..];
        }
        else if (head.Length >= 2 && head[0] != 0 && head[1] == 0)
        {
            encoding = Encoding.Unicode;
        }
        else if (head.Length >= 2 && head[0] == 0 && head[1] != 0)
        {
            encoding = Encoding.BigEndianUnicode;
        }
        else
        {
            encoding = Encoding.UTF8;
        }

        var text = encoding.GetString(head).AsSpan();
        var i = 0;
        while (i < text.Length && char.IsWhiteSpace(text[i]))
        {
            i++;
        }

        text = text[i..];
        if (text.IsEmpty)
        {
            return new(InputFormat.Unknown, encoding, NeedMore: !complete);
        }

        if (text[0] == '{')
        {
            return new(InputFormat.JsonLines, encoding);
        }

        // An <Event anywhere: after an XML prolog, an <Events> wrapper, or evtxexport's header line.
        if (XmlWinEventLogReader.FindEventStart(text.ToString(), 0) >= 0)
        {
            return new(InputFormat.XmlWinEventLog, encoding);
        }

        return new(InputFormat.Unknown, encoding, NeedMore: !complete);
    }

    private static IEnumerable<Row> ReadFile(string display, string file, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown)
    {
        Stream stream;
        double? modified;
        try
        {
            stream = File.OpenRead(file);
            modified = (File.GetLastWriteTimeUtc(file) - DateTime.UnixEpoch).TotalSeconds;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems?.Invoke(new IngestProblem(display, 0, "input", e.Message));
            yield break;
        }

        using (stream)
        {
            foreach (var row in ReadStream(stream, display, options, problems, quietUnknown, modified, insideZip: false))
            {
                yield return row;
            }
        }
    }

    public static IEnumerable<Row> ReadStream(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown = false) =>
        ReadStream(stream, name, options, problems, quietUnknown, modified: null, insideZip: false);

    private static IEnumerable<Row> ReadStream(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown, double? modified, bool insideZip)
    {
        var rows = ReadFormat(stream, name, options, problems, quietUnknown, insideZip);
        return Stamped(CheckTimes(rows, name, modified, problems), name);
    }

    /// <summary>
    /// Each event stamped with where it came from (<see cref="Row.Ref"/>: this input, its channel
    /// and computer, its EventRecordID or else its position, its event time), so every result can
    /// name its events. Entries of an archive keep the stamp of their entry. Stamped after the
    /// time check, so the reference carries the time the event is searched by.
    /// </summary>
    private static IEnumerable<Row> Stamped(IEnumerable<Row> rows, string name)
    {
        var stamp = new OriginStamp(name);
        foreach (var row in rows)
        {
            stamp.Apply(row);
            yield return row;
        }
    }

    private static IEnumerable<Row> ReadFormat(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown, bool insideZip)
    {
        var buffered = stream.CanSeek ? stream : new BufferedStream(stream, 1 << 16);
        var start = buffered.CanSeek ? buffered.Position : 0;

        // Most files tell in their first 4 KB; text with a long prolog or leading white space
        // is looked at further, up to 1 MB, before it is called unknown.
        var head = new byte[4096];
        var n = ReadHead(buffered, head, 0);
        var detection = DetectText(head.AsSpan(0, n), complete: n < head.Length);
        while (detection.NeedMore && head.Length < MaxDetectBytes)
        {
            Array.Resize(ref head, head.Length * 4);
            n = ReadHead(buffered, head, n);
            detection = DetectText(head.AsSpan(0, n), complete: n < head.Length || head.Length >= MaxDetectBytes);
        }

        if (buffered.CanSeek)
        {
            buffered.Position = start;
        }
        else
        {
            // Not seekable (a zip entry, a pipe): the bytes read for detection are replayed.
            buffered = new PrefixedStream(head.AsSpan(0, n).ToArray(), buffered);
        }

        switch (detection.Format)
        {
            case InputFormat.Evtx:
                {
                    var evtx = buffered.CanSeek ? buffered : Buffer(buffered, name, problems);
                    if (evtx is null)
                    {
                        yield break;
                    }

                    foreach (var row in EvtxInput.Read(evtx, name, options, problems))
                    {
                        yield return row;
                    }

                    break;
                }

            case InputFormat.Zip:
                if (insideZip)
                {
                    problems?.Invoke(new IngestProblem(name, 0, "zip archive", "a zip inside a zip is not read (extract it first); skipped"));
                    yield break;
                }

                foreach (var row in ReadZip(buffered, name, options, problems))
                {
                    yield return row;
                }

                break;
            case InputFormat.JsonLines:
                {
                    using var reader = new StreamReader(buffered, detection.Encoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
                    foreach (var row in JsonEventReader.Read(reader, name, options, problems))
                    {
                        yield return row;
                    }

                    break;
                }

            case InputFormat.XmlWinEventLog:
                {
                    using var reader = new StreamReader(buffered, detection.Encoding ?? Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
                    foreach (var row in XmlWinEventLogReader.Read(reader, name, options, problems))
                    {
                        yield return row;
                    }

                    break;
                }

            default:
                if (!quietUnknown)
                {
                    problems?.Invoke(new IngestProblem(name, 0, "format detection", n == 0
                        ? "empty: nothing read"
                        : $"not EVTX, XmlWinEventLog, JSON lines or zip (looked at the first {n:N0} bytes); skipped"));
                }

                break;
        }
    }

    /// <summary>EVTX needs random access per chunk: an unseekable one (inside a zip) is read into memory, up to a limit.</summary>
    private static MemoryStream? Buffer(Stream s, string name, Action<IngestProblem>? problems)
    {
        var ms = new MemoryStream();
        var buffer = new byte[1 << 16];
        int r;
        while ((r = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (ms.Length + r > MaxBufferedEvtxBytes)
            {
                problems?.Invoke(new IngestProblem(name, ms.Length, "EVTX", $"larger than {MaxBufferedEvtxBytes / (1024 * 1024)} MB inside an archive; extract it to read it; skipped"));
                return null;
            }

            ms.Write(buffer, 0, r);
        }

        ms.Position = 0;
        return ms;
    }

    /// <summary>
    /// Each event's <c>_time</c> must be a time searches can use (<see cref="EventTime"/>). An event
    /// whose time is out of range or unreadable is kept, with the time Splunk would give an event
    /// without a usable timestamp, and a warning; the events around it are not affected.
    /// </summary>
    private static IEnumerable<Row> CheckTimes(IEnumerable<Row> rows, string name, double? modified, Action<IngestProblem>? problems)
    {
        double? previous = null;
        long ordinal = 0;
        foreach (var row in rows)
        {
            ordinal++;
            var time = row.Get(FieldTable.Time);
            string? bad = null;
            if (time.IsNull)
            {
                // A Windows event whose SystemTime did not parse (year 30828, garbage) has no _time.
                var systemTime = row.Get(SystemTimeId);
                if (!systemTime.IsNull)
                {
                    bad = "SystemTime '" + systemTime.ToDisplayString() + "'";
                }
            }
            else if (time.TryGetNumber(out var t))
            {
                if (EventTime.IsValid(t))
                {
                    previous = t;
                }
                else
                {
                    bad = "time " + EventTime.Describe(t);
                }
            }

            if (bad is not null)
            {
                var substitute = EventTime.Substitute(previous, modified, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
                row.Set(FieldTable.Time, Value.FromNumber(substitute));
                var from = previous is not null ? "the previous event's time" : modified is not null ? "the file's modification time" : "the current time";
                problems?.Invoke(new IngestProblem(name, ordinal, "event time", $"event {ordinal}: {bad} is not between 1970-01-01 and 9999-12-31; event kept with {from}"));
            }

            yield return row;
        }
    }

    private static int ReadHead(Stream s, byte[] head, int total)
    {
        while (total < head.Length)
        {
            var r = s.Read(head, total, head.Length - total);
            if (r <= 0)
            {
                break;
            }

            total += r;
        }

        return total;
    }

    private static IEnumerable<Row> ReadZip(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems)
    {
        ZipArchive zip;
        List<ZipArchiveEntry> entries;
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            entries = [.. zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal)];
        }
        catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
        {
            problems?.Invoke(new IngestProblem(name, 0, "zip archive", e.Message));
            yield break;
        }

        using (zip)
        {
            foreach (var entry in entries)
            {
                if (entry.FullName.EndsWith('/') || entry.FullName.Contains("__MACOSX", StringComparison.Ordinal))
                {
                    continue;
                }

                var entryName = $"{name}!{entry.FullName}";
                Stream entryStream;
                try
                {
                    entryStream = entry.Open();
                }
                catch (Exception e) when (e is InvalidDataException or IOException or NotSupportedException)
                {
                    problems?.Invoke(new IngestProblem(entryName, 0, "zip entry", e.Message + "; skipped"));
                    continue;
                }

                // Damaged compressed data ends the entry with a report instead of an exception in
                // the middle of a reader, and an entry that expands far more than real logs do
                // (a zip bomb) is cut off, so memory and time stay bounded.
                var limit = Math.Max(1L << 20, entry.CompressedLength * (long)options.MaxZipRatio);
                using var guarded = new ZipEntryStream(entryStream, entryName, limit, options.MaxZipRatio, problems);
                double? modified = (entry.LastWriteTime.UtcDateTime - DateTime.UnixEpoch).TotalSeconds;
                foreach (var row in ReadStream(guarded, entryName, options, problems, quietUnknown: false, modified, insideZip: true))
                {
                    yield return row;
                }
            }
        }
    }

    /// <summary>Gives each event of one input its reference; the origin id is looked up only when the channel or computer changes.</summary>
    private sealed class OriginStamp(string input)
    {
        private static readonly int ChannelId = FieldTable.Intern("Channel");
        private static readonly int ComputerId = FieldTable.Intern("Computer");
        private static readonly int RecordId = FieldTable.Intern("EventRecordID");
        private string? _channel;
        private string? _computer;
        private bool _byPosition;
        private int _origin;
        private long _position;

        public void Apply(Row row)
        {
            _position++;
            if (row.Ref.IsKnown)
            {
                return; // an archive entry's event, stamped with its entry
            }

            var channel = row.Get(ChannelId).RawString;
            var computer = row.Get(ComputerId).RawString ?? row.Get(FieldTable.Host).RawString;
            var recordValue = row.Get(RecordId);
            long record = 0;
            var hasRecord = !recordValue.IsNull && long.TryParse(recordValue.ToDisplayString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out record);
            if (_origin == 0 || _byPosition == hasRecord || !string.Equals(channel, _channel, StringComparison.Ordinal) || !string.Equals(computer, _computer, StringComparison.Ordinal))
            {
                _channel = channel;
                _computer = computer;
                _byPosition = !hasRecord;
                _origin = EventOrigins.Intern(input, channel, computer, _byPosition);
            }

            row.Ref = new EventRef(_origin, hasRecord ? record : _position, row.Time);
        }
    }
}
