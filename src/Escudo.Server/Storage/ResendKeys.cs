using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using Escudo.Core.Events;

namespace Escudo.Server.Storage;

/// <summary>
/// Marks the rows of one HEC request made on an acknowledgement channel with a key made from the
/// token, the channel and the body: a client that got no answer (the node died, the connection
/// broke) resends the same request, maybe to another node, and a store that can look the key up
/// (ClickHouse: the rows' batch id) stores what the first attempt already stored only once. The
/// mark travels with the rows through the commit queue without changing them.
/// </summary>
internal static class ResendKeys
{
    private static readonly ConditionalWeakTable<Row, string> Keys = new();

    public static void Mark(IReadOnlyList<Row> rows, string token, string? channel, ReadOnlySpan<byte> body)
    {
        if (channel is null)
        {
            return; // without acknowledgement a client cannot know what was stored: no resend to recognise
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(token + "\n" + channel + "\n"));
        hash.AppendData(body);
        var key = "r" + Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
        foreach (var row in rows)
        {
            Keys.AddOrUpdate(row, key);
        }
    }

    /// <summary>The key of the request that brought the row, or null.</summary>
    public static string? Of(Row row) => Keys.TryGetValue(row, out var key) ? key : null;
}
