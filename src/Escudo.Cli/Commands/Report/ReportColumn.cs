using System.Text.Json;

namespace Escudo.Cli.Commands.Report;

/// <summary>
/// Writing the report's columns: one JSON array per attribute (all hits' times, then all their
/// detections, ...) rather than one array per hit, which the browser parses several times faster
/// and which is half the size. Times are whole milliseconds, null when there is none.
/// </summary>
internal static class ReportColumn
{
    public static void Write(Utf8JsonWriter w, string name, List<long> values) => Write(w, name, values, (x, v) => x.WriteNumberValue(v));

    public static void Write(Utf8JsonWriter w, string name, List<double> values) => Write(w, name, values, (x, v) => x.WriteNumberValue(v));

    /// <summary>Times or time differences in milliseconds; null for none.</summary>
    public static void Write(Utf8JsonWriter w, string name, List<long?> values) => Write(w, name, values, (x, v) =>
    {
        if (v is { } n)
        {
            x.WriteNumberValue(n);
        }
        else
        {
            x.WriteNullValue();
        }
    });

    public static void Write<T>(Utf8JsonWriter w, string name, List<T> values, Action<Utf8JsonWriter, T> write)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            write(w, v);
            if (w.BytesPending > 1 << 16)
            {
                w.Flush();
            }
        }

        w.WriteEndArray();
    }

    /// <summary>An epoch time in seconds as whole milliseconds; null when it has no time.</summary>
    public static long? Ms(double t) => double.IsNaN(t) || double.IsInfinity(t) ? null : (long)Math.Round(t * 1000);
}
