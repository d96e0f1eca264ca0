using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Escudo.Tests.ClickHouse;

/// <summary>
/// A loopback TCP proxy to a ClickHouse HTTP port that forwards everything, except that the first
/// request containing <c>marker</c> reaches the server and its answer does not reach the client:
/// the connection is cut when the answer arrives. This is "the insert succeeded, the answer was lost".
/// </summary>
internal sealed class AnswerDroppingProxy : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstream;
    private readonly string _marker;
    private readonly CancellationTokenSource _stop = new();
    private int _toDrop = 1;
    private int _dropped;

    public AnswerDroppingProxy(string upstream, string marker)
    {
        _upstream = upstream;
        _marker = marker;
        _listener.Start();
        _ = AcceptLoop();
    }

    public string Address => "127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public int Dropped => Volatile.Read(ref _dropped);

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Relay(client);
        }
    }

    private async Task Relay(TcpClient client)
    {
        var colon = _upstream.LastIndexOf(':');
        using var server = new TcpClient();
        using (client)
        {
            try
            {
                await server.ConnectAsync(_upstream[..colon], int.Parse(_upstream[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), _stop.Token);
                var dropAnswer = false;
                var up = Pump(client.GetStream(), server.GetStream(), chunk =>
                {
                    if (Encoding.ASCII.GetString(chunk).Contains(_marker, StringComparison.Ordinal) && Interlocked.Exchange(ref _toDrop, 0) == 1)
                    {
                        Volatile.Write(ref dropAnswer, true);
                    }

                    return true;
                });
                var down = Pump(server.GetStream(), client.GetStream(), _ =>
                {
                    if (Volatile.Read(ref dropAnswer))
                    {
                        Interlocked.Increment(ref _dropped);
                        return false; // cut: the client never sees the answer
                    }

                    return true;
                });
                await Task.WhenAny(up, down);
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // a connection ended
            }
        }
    }

    /// <summary>Copies until the source ends or <paramref name="pass"/> refuses a chunk.</summary>
    private async Task Pump(NetworkStream from, NetworkStream to, Func<byte[], bool> pass)
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0 || !pass(buffer[..n]))
                {
                    return;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // the other side closed
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
