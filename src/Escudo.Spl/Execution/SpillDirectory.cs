using System.Diagnostics;

namespace Escudo.Spl.Execution;

/// <summary>
/// A private folder for state that outgrows memory (stats groups spilled by a long hunt). It is
/// made on first use under the system's temporary folder (TMPDIR) or a given one, and removed
/// with everything in it when disposed. A process killed mid-run cannot remove its folder, so the
/// next one to spill removes the folders of processes that no longer exist.
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
                var under = parent ?? Path.GetTempPath();
                RemoveAbandoned(under);
                _path = Path.Combine(under, $"{Prefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
                Directory.CreateDirectory(_path);
            }

            return Path.Combine(_path, $"{prefix}-{_next++}.bin");
        }
    }

    private const string Prefix = "escudo-spill-";

    /// <summary>
    /// Removes the spill folders under <paramref name="under"/> whose process is gone (a hunt killed
    /// or out of power leaves gigabytes behind). A folder whose process id is running is left alone,
    /// even if the id was reused: keeping a stale folder is the safe mistake.
    /// </summary>
    internal static int RemoveAbandoned(string under)
    {
        var removed = 0;
        string[] folders;
        try
        {
            folders = Directory.GetDirectories(under, Prefix + "*");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return 0;
        }

        foreach (var folder in folders)
        {
            var name = Path.GetFileName(folder.AsSpan());
            var rest = name[Prefix.Length..];
            var dash = rest.IndexOf('-');
            if (dash <= 0 || !int.TryParse(rest[..dash], out var pid) || pid == Environment.ProcessId || IsRunning(pid))
            {
                continue;
            }

            try
            {
                Directory.Delete(folder, recursive: true);
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another user's folder in a shared /tmp, or one being removed by someone else.
            }
        }

        return removed;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
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
