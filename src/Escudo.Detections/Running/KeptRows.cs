using System.Text;
using Escudo.Core.Events;
using Escudo.Spl.Execution;

namespace Escudo.Detections.Running;

/// <summary>
/// Rows the shared pass keeps for a detection that cannot be streamed (or for the data model rows
/// such detections read). They stay in memory until the pass keeps too many; then they are
/// appended to a file, and read back from it, in their order, each time the detection scans them.
/// </summary>
internal sealed class KeptRows
{
    private readonly List<Row> _memory = [];
    private string? _file;
    private long _onDisk;
    private long _fileReads;
    private long _memoryBytes;

    /// <summary>Rows kept in all.</summary>
    public long Count => _onDisk + _memory.Count;

    /// <summary>How many times the rows on disk were read back (a scan of the detection reads them all).</summary>
    public long FileReads => Interlocked.Read(ref _fileReads);

    /// <summary>Rows held in memory.</summary>
    public int InMemory => _memory.Count;

    /// <summary>Estimated bytes of the rows held in memory (<see cref="RowBytes"/>; a row kept by several lists counts in each).</summary>
    public long InMemoryBytes => _memoryBytes;

    public void Add(Row row)
    {
        _memory.Add(row);
        _memoryBytes += RowBytes.Estimate(row);
    }

    /// <summary>Moves the rows held in memory to the end of this list's file.</summary>
    public long Spill(SpillDirectory directory)
    {
        if (_memory.Count == 0)
        {
            return 0;
        }

        _file ??= directory.NewFile("rows");
        long length = File.Exists(_file) ? new FileInfo(_file).Length : 0;
        var stream = new FileStream(_file, FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16);
        var writer = new BinaryWriter(stream, Encoding.UTF8);
        try
        {
            foreach (var row in _memory)
            {
                RowBinary.Write(writer, row);
            }

            writer.Flush();
        }
        catch
        {
            // A failed write (disk full) leaves the file as it was and the rows in memory.
            stream.SetLength(length);
            writer.Dispose();
            throw;
        }

        var written = stream.Position - length;
        writer.Dispose();
        _onDisk += _memory.Count;
        _memory.Clear();
        _memory.TrimExcess();
        _memoryBytes = 0;
        return written;
    }

    /// <summary>Forgets the rows once the detection that kept them has run (the file goes with the spill folder).</summary>
    public void Release()
    {
        _memory.Clear();
        _memory.TrimExcess();
        _memoryBytes = 0;
        _file = null;
        _onDisk = 0;
    }

    /// <summary>Every row kept, in the order kept: those on disk (decoded afresh at each call), then those in memory.</summary>
    public IEnumerable<Row> Rows()
    {
        if (_file is not null)
        {
            Interlocked.Increment(ref _fileReads);
            using var reader = new BinaryReader(new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), Encoding.UTF8);
            for (long i = 0; i < _onDisk; i++)
            {
                yield return RowBinary.Read(reader);
            }
        }

        foreach (var row in _memory)
        {
            yield return row;
        }
    }
}
