using Escudo.Core.Values;

namespace Escudo.Core.Events;

/// <summary>
/// A compact binary form of <see cref="Row"/> for rows moved to disk during a run (field ids are
/// this process's interned ids, so the form is only read back by the process that wrote it). The
/// row's provenance (event reference and evidence) goes with it.
/// </summary>
public static class RowBinary
{
    public static void Write(BinaryWriter writer, Row row)
    {
        writer.Write(row.Count);
        for (var i = 0; i < row.Count; i++)
        {
            writer.Write(row.IdAt(i));
            ValueBinary.Write(writer, row.ValueAt(i));
        }

        Evidence.WriteRef(writer, row.Ref);
        Evidence.Write(writer, row.Evidence);
    }

    public static Row Read(BinaryReader reader)
    {
        var count = reader.ReadInt32();
        var row = new Row(count + 2);
        for (var i = 0; i < count; i++)
        {
            var id = reader.ReadInt32();
            row.Set(id, ValueBinary.Read(reader));
        }

        row.Ref = Evidence.ReadRef(reader);
        row.Evidence = Evidence.Read(reader);
        return row;
    }
}
