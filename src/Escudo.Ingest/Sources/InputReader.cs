using System.IO.Compression;
using System.Text;
using Escudo.Core.Events;
using Escudo.Ingest.Json;
using Escudo.Ingest.Xml;

namespace Escudo.Ingest.Sources;

/// <summary>
/// Reads any input Escudo accepts: a file or a folder (recursively, in name order), with the
/// format found from the content (EVTX magic <c>ElfFile\0</c>, <c>&lt;Event</c>, <c>{</c>, zip),
/// never from the extension alone. Each event is read and mapped once; problems are reported and
/// skipped, and reading goes on.
/// </summary>
public static class InputReader
{
    public static IEnumerable<Row> Read(string path, EventReadOptions? options = null, Action<IngestProblem>? problems = null)
    {
        options ??= EventReadOptions.Default;
        if (Directory.Exists(path))
        {
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (IsSidecar(file))
                {
                    continue;
                }

                foreach (var row in ReadFile(file, options, problems, quietUnknown: true))
                {
                    yield return row;
                }
            }

            yield break;
        }

        if (!File.Exists(path))
        {
            problems?.Invoke(new IngestProblem(path, 0, "input", "no such file or folder"));
            yield break;
        }

        foreach (var row in ReadFile(path, options, problems, quietUnknown: false))
        {
            yield return row;
        }
    }

    /// <summary>Reference renderings and metadata that live beside datasets are not events.</summary>
    private static bool IsSidecar(string file)
    {
        var name = Path.GetFileName(file);
        return name.EndsWith(".evtxexport.txt", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".md", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase)
            || name.StartsWith("LICENSE", StringComparison.OrdinalIgnoreCase);
    }

    public static InputFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("ElfFile\0"u8))
        {
            return InputFormat.Evtx;
        }

        if (head.StartsWith("PK\x03\x04"u8))
        {
            return InputFormat.Zip;
        }

        // Skip a UTF-8 byte order mark and leading white space.
        if (head.StartsWith("\xEF\xBB\xBF"u8))
        {
            head = head[3..];
        }

        var i = 0;
        while (i < head.Length && head[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        head = head[i..];
        if (head.StartsWith("{"u8))
        {
            return InputFormat.JsonLines;
        }

        if (head.IndexOf("<Event"u8) >= 0)
        {
            return InputFormat.XmlWinEventLog;
        }

        return InputFormat.Unknown;
    }

    private static IEnumerable<Row> ReadFile(string file, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown)
    {
        Stream stream;
        try
        {
            stream = File.OpenRead(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems?.Invoke(new IngestProblem(file, 0, "input", e.Message));
            yield break;
        }

        using (stream)
        {
            foreach (var row in ReadStream(stream, file, options, problems, quietUnknown))
            {
                yield return row;
            }
        }
    }

    /// <summary>
    /// Reads one input's events, each stamped with where it came from (<see cref="Row.Ref"/>: this
    /// input, its channel and computer, its EventRecordID or else its position, its event time), so
    /// every result can name its events. Entries of an archive keep the stamp of their entry.
    /// </summary>
    public static IEnumerable<Row> ReadStream(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown = false)
    {
        var stamp = new OriginStamp(name);
        foreach (var row in ReadStreamUnstamped(stream, name, options, problems, quietUnknown))
        {
            stamp.Apply(row);
            yield return row;
        }
    }

    private static IEnumerable<Row> ReadStreamUnstamped(Stream stream, string name, EventReadOptions options, Action<IngestProblem>? problems, bool quietUnknown)
    {
        var buffered = stream.CanSeek ? stream : new BufferedStream(stream, 1 << 16);
        var head = new byte[4096];
        var n = ReadHead(buffered, head);
        var format = Detect(head.AsSpan(0, n));
        if (buffered.CanSeek)
        {
            buffered.Position = 0;
        }
        else
        {
            // Not seekable (a zip entry): copy to a seekable buffer is avoided by re-prefixing.
            buffered = new PrefixedStream(head.AsSpan(0, n).ToArray(), buffered);
        }

        switch (format)
        {
            case InputFormat.Evtx:
                foreach (var row in EvtxInput.Read(buffered, name, options, problems))
                {
                    yield return row;
                }

                break;
            case InputFormat.Zip:
                foreach (var row in ReadZip(buffered, name, options, problems))
                {
                    yield return row;
                }

                break;
            case InputFormat.JsonLines:
                {
                    using var reader = new StreamReader(buffered, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
                    foreach (var row in JsonEventReader.Read(reader, name, options, problems))
                    {
                        yield return row;
                    }

                    break;
                }

            case InputFormat.XmlWinEventLog:
                {
                    using var reader = new StreamReader(buffered, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16, leaveOpen: true);
                    foreach (var row in XmlWinEventLogReader.Read(reader, name, options, problems))
                    {
                        yield return row;
                    }

                    break;
                }

            default:
                if (!quietUnknown)
                {
                    problems?.Invoke(new IngestProblem(name, 0, "format detection", "not EVTX, XmlWinEventLog, JSON lines or zip; skipped"));
                }

                break;
        }
    }

    private static int ReadHead(Stream s, byte[] head)
    {
        var total = 0;
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
        try
        {
            zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            problems?.Invoke(new IngestProblem(name, 0, "zip archive", e.Message));
            yield break;
        }

        using (zip)
        {
            foreach (var entry in zip.Entries.OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                if (entry.FullName.EndsWith('/') || entry.FullName.Contains("__MACOSX", StringComparison.Ordinal))
                {
                    continue;
                }

                Stream entryStream;
                try
                {
                    entryStream = entry.Open();
                }
                catch (InvalidDataException e)
                {
                    problems?.Invoke(new IngestProblem($"{name}!{entry.FullName}", 0, "zip entry", e.Message));
                    continue;
                }

                using (entryStream)
                {
                    // EVTX needs random access per chunk; such entries are small enough to buffer.
                    Stream s = entryStream;
                    if (entry.Length < 512L * 1024 * 1024 && entry.FullName.EndsWith(".evtx", StringComparison.OrdinalIgnoreCase))
                    {
                        var ms = new MemoryStream();
                        entryStream.CopyTo(ms);
                        ms.Position = 0;
                        s = ms;
                    }

                    foreach (var row in ReadStream(s, $"{name}!{entry.FullName}", options, problems, quietUnknown: true))
                    {
                        yield return row;
                    }
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
