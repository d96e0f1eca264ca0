namespace Escudo.Core.Values;

/// <summary>A compact binary form of <see cref="Value"/>, for state written to disk (stats spills).</summary>
public static class ValueBinary
{
    public static void Write(BinaryWriter writer, in Value value)
    {
        writer.Write((byte)value.Kind);
        switch (value.Kind)
        {
            case ValueKind.String:
                writer.Write(value.RawString!);
                break;
            case ValueKind.Number:
                writer.Write(value.RawNumber);
                break;
            case ValueKind.Boolean:
                writer.Write(value.RawBoolean);
                break;
            case ValueKind.Multi:
                var items = value.Items;
                writer.Write(items.Length);
                foreach (var item in items)
                {
                    writer.Write(item);
                }

                break;
        }
    }

    public static Value Read(BinaryReader reader)
    {
        var kind = (ValueKind)reader.ReadByte();
        switch (kind)
        {
            case ValueKind.Null:
                return Value.Null;
            case ValueKind.String:
                return Value.FromString(reader.ReadString());
            case ValueKind.Number:
                return Value.FromNumber(reader.ReadDouble());
            case ValueKind.Boolean:
                return Value.FromBoolean(reader.ReadBoolean());
            case ValueKind.Multi:
                var items = new string[reader.ReadInt32()];
                for (var i = 0; i < items.Length; i++)
                {
                    items[i] = reader.ReadString();
                }

                return Value.FromMultiOwned(items);
            default:
                throw new InvalidDataException($"unknown value kind {(byte)kind} in a spill file");
        }
    }
}
