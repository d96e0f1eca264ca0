using Escudo.Server.Http;

namespace Escudo.Tests.Server;

/// <summary>
/// HEC bodies read into pooled buffers (<c>HecRequestBody</c>) hold exactly the bytes sent, however
/// the stream hands them over, and a body over the limit is refused whether or not its length was
/// declared. Compared with the plain read (the whole stream copied into an array).
/// </summary>
public sealed class HecRequestBodyTests
{
    /// <summary>A stream that hands out at most <c>chunk</c> bytes per read, as a chunked request body does.</summary>
    private sealed class Trickle(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(65_535, 4096)]
    [InlineData(65_536, 65_536)]
    [InlineData(65_537, 7)]
    [InlineData(1_000_003, 100_000)]
    public async Task Holds_exactly_the_bytes_sent_with_or_without_a_declared_length(int length, int chunk)
    {
        var sent = Bytes(length, length);
        foreach (var declared in new long?[] { length, null })
        {
            using var body = await HecRequestBody.ReadAsync(new Trickle(sent, chunk), declared, maxBytes: 2_000_000, CancellationToken.None);
            Assert.NotNull(body);
            Assert.Equal(length, body.Length);
            Assert.True(body.Span.SequenceEqual(sent), $"declared {declared?.ToString() ?? "none"}: the bytes differ");
        }
    }

    [Theory]
    [InlineData(100_000, 100_000, true)]
    [InlineData(100_001, 100_000, false)]
    [InlineData(65_536, 65_536, true)]
    [InlineData(65_537, 65_536, false)]
    [InlineData(300_000, 70_000, false)]
    public async Task A_body_over_the_limit_is_refused_and_one_at_the_limit_is_read(int length, long max, bool accepted)
    {
        var sent = Bytes(length, 3);
        using var body = await HecRequestBody.ReadAsync(new Trickle(sent, 5000), declaredLength: null, max, CancellationToken.None);
        Assert.Equal(accepted, body is not null);
        if (body is not null)
        {
            Assert.True(body.Span.SequenceEqual(sent));
        }
    }

    [Fact]
    public async Task Skipping_a_byte_order_mark_keeps_the_rest_and_moves_the_buffer()
    {
        byte[] sent = [0xEF, 0xBB, 0xBF, (byte)'{', (byte)'}'];
        var body = await HecRequestBody.ReadAsync(new MemoryStream(sent), sent.Length, 100, CancellationToken.None);
        using var rest = body!.Skip(3);
        body.Dispose(); // the buffer moved to rest: disposing the first returns nothing
        Assert.Equal("{}"u8.ToArray(), rest.Span.ToArray());
    }

    [Fact]
    public async Task Buffers_go_back_to_the_pool_and_bodies_read_after_hold_only_their_own_bytes()
    {
        // A later, shorter body in a reused buffer must not show the earlier body's tail.
        using (var first = await HecRequestBody.ReadAsync(new MemoryStream(Bytes(50_000, 1)), 50_000, 100_000, CancellationToken.None))
        {
            Assert.Equal(50_000, first!.Length);
        }

        var second = Bytes(40_000, 2);
        using var body = await HecRequestBody.ReadAsync(new MemoryStream(second), 40_000, 100_000, CancellationToken.None);
        Assert.Equal(second, body!.Span.ToArray());
    }
}
