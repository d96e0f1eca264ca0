namespace Escudo.Spl.Execution;

/// <summary>
/// A private folder for state that outgrows memory (stats groups spilled by a long hunt). It is
/// made on first use under the system's temporary folder (TMPDIR) or a given one, and removed
/// with everything in it when disposed.
/// </summary>
public sealed class SpillDirectory(string? parent = null) : IDisposable
{
    private readonly Lock _gate = new();
    private string? _path;
    private int _next;

    /// <summary>Bytes written to spill files so far.</summary>
    public long BytesWritten => Interlocked.Read(ref _bytes);

    private long _bytes;

    /// <summary>A new file name in the folder, made when first asked for.</summary>
    public string NewFile(string prefix)
    {
        lock (_gate)
        {
            if (_path is null)
            {
                _path = Path.Combine(parent ?? Path.GetTempPath(), $"escudo-spill-{Environment.ProcessId}-{Guid.NewGuid():N}");
                Directory.CreateDirectory(_path);
            }

            return Path.Combine(_path, $"{prefix}-{_next++}.bin");
        }
    }

    internal void Count(long bytes) => Interlocked.Add(ref _bytes, bytes);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_path is not null && Directory.Exists(_path))
            {
                try
                {
                    Directory.Delete(_path, recursive: true);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A file still open elsewhere, or no right to remove it: the folder is in the
                    // temporary area and named as ours, and the run's results are already made.
                }
            }

            _path = null;
        }
    }
}
