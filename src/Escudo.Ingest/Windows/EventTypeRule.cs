using Escudo.Core.Events;

namespace Escudo.Ingest.Windows;

/// <summary>
/// An add-on eventtype as data: which channel (null: any XmlWinEventLog channel) and event codes it
/// matches, an optional condition on the event's fields (evaluated after the calculated fields), and
/// the tags tags.conf gives it.
/// </summary>
internal sealed record EventTypeRule(string Name, string? Channel, int[]? EventCodes, string[] Tags, string Evidence, Func<Row, bool>? When = null)
{
    public bool Matches(string channel, int eventCode) =>
        (Channel is null || channel.Equals(Channel, StringComparison.OrdinalIgnoreCase)) && (EventCodes is null || Array.IndexOf(EventCodes, eventCode) >= 0);

    public bool Matches(string channel, int eventCode, Row row) => Matches(channel, eventCode) && (When is null || When(row));
}
