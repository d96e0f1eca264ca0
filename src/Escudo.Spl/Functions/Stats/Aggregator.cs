using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Stats;

/// <summary>
/// The running state of one stats function for one group: values are added one by one (with the
/// row's time for earliest/latest), and the result is read at the end. A state can be written out
/// and merged back into another one, so stats can spill groups to disk when they outgrow memory.
/// </summary>
internal abstract class Aggregator
{
    public abstract void Add(Value value, double time);

    public abstract Value Result();

    /// <summary>Writes the state so far, to be read back by <see cref="Merge"/>.</summary>
    public abstract void Write(BinaryWriter writer);

    /// <summary>
    /// Reads a state written by <see cref="Write"/> and merges it into this one, as if this state
    /// had seen the written state's values after its own. States are merged in input order (a spill
    /// run made earlier is merged before a later one), which keeps list(), first(), last() and
    /// mode()'s tie order as they would be in one pass.
    /// </summary>
    public abstract void Merge(BinaryReader reader);

    /// <summary>Writes a count, then the items: the form of every state made of strings.</summary>
    protected static void WriteItems(BinaryWriter writer, IReadOnlyCollection<string> items)
    {
        writer.Write(items.Count);
        foreach (var item in items)
        {
            writer.Write(item);
        }
    }

    /// <summary>Reads what <see cref="WriteItems"/> wrote, handing each item over in order.</summary>
    protected static void ReadItems(BinaryReader reader, Action<string> take)
    {
        var n = reader.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            take(reader.ReadString());
        }
    }
}
