namespace Escudo.Server.Storage.ClickHouse;

/// <summary>
/// ClickHouse refused or did not answer. An <see cref="IOException"/>, so the commit queue, the
/// scheduler and health treat it as the store failing (503 to HEC clients, the window retried),
/// never as a value the store cannot hold.
/// </summary>
public sealed class ClickHouseException(string message, string node, int? code = null, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The node (HOST:PORT) that answered or failed to.</summary>
    public string Node { get; } = node;

    /// <summary>ClickHouse's error code (<c>Code: N</c>), when it answered with one.</summary>
    public int? Code { get; } = code;

    /// <summary>216: a query with this query_id is still running (an earlier attempt of the same insert).</summary>
    public bool SameQueryRunning => Code == 216;
}
