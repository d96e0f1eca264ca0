using Escudo.Core.Events;

namespace Escudo.Server.Storage;

/// <summary>
/// The <see cref="EventOrigins"/> id of each event read back from the store: its HEC source, host
/// and Windows channel. Consecutive events mostly share one, so the last is remembered and the
/// process-wide table is asked only when it changes.
/// </summary>
internal sealed class StoreOrigins
{
    private static readonly int ChannelId = FieldTable.Intern("Channel");

    private string? _source;
    private string? _host;
    private string? _channel;
    private int _id = -1;

    public int Of(string? source, string? host, Row row) => Of(source, host, row.Get(ChannelId).RawString);

    public int Of(string? source, string? host, string? channel)
    {
        if (_id < 0 || !string.Equals(source, _source, StringComparison.Ordinal) || !string.Equals(host, _host, StringComparison.Ordinal) || !string.Equals(channel, _channel, StringComparison.Ordinal))
        {
            (_source, _host, _channel) = (source, host, channel);
            _id = EventOrigins.Intern(source ?? string.Empty, channel, host, recordIsPosition: false, isStoreRow: true);
        }

        return _id;
    }
}
