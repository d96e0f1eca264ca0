using Escudo.Core.Events;
using Escudo.Core.Values;

namespace Escudo.Tests.Core;

/// <summary>
/// A row made by <see cref="Row.CopyOnWrite"/> must behave exactly like a full copy (same fields,
/// order, values and positions after any sequence of changes) and must never change the row it
/// reads through to, which is a shared event.
/// </summary>
public class RowOverlayTests
{
    private static readonly int[] Ids = [.. Enumerable.Range(0, 12).Select(i => FieldTable.Intern("overlay_f" + i))];

    private static Row MakeBase()
    {
        var r = new Row();
        for (var i = 0; i < 6; i++)
        {
            r.Set(Ids[i], i == 3 ? Value.FromMulti(["a", "b"]) : Value.FromString("v" + i));
        }

        return r;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void OverlayMatchesAFullCopyAfterAnyChanges(int seed)
    {
        var rng = new Random(seed);
        for (var round = 0; round < 200; round++)
        {
            var shared = MakeBase();
            var before = shared.ToString();
            var overlay = shared.CopyOnWrite();
            var copy = shared.Clone();
            Assert.True(overlay.IsOverlay);
            for (var step = 0; step < 8; step++)
            {
                Apply(rng, overlay, copy);
                AssertSame(copy, overlay);
                Assert.Equal(before, shared.ToString());
            }

            // A copy of an overlay is independent of it.
            var again = overlay.Clone();
            overlay.Set(Ids[0], Value.FromString("later"));
            Assert.False(again.IsOverlay);
            Assert.NotEqual("later", again.Get(Ids[0]).FirstString());
            Assert.Equal(before, shared.ToString());
        }
    }

    [Fact]
    public void SetsOnAnOverlayKeepItAnOverlayAndTheBaseUntouched()
    {
        var shared = MakeBase();
        var overlay = shared.CopyOnWrite();
        overlay.Set(Ids[8], Value.FromNumber(42)); // new field, after the base's
        overlay.Set(Ids[1], Value.FromString("changed")); // a base field keeps its place
        overlay.Set(Ids[8], Value.Null); // removing an added field
        overlay.Set(Ids[9], Value.FromString("x"));
        Assert.True(overlay.IsOverlay);
        Assert.Equal("overlay_f0=v0 overlay_f1=changed overlay_f2=v2 overlay_f3=a b overlay_f4=v4 overlay_f5=v5 overlay_f9=x", overlay.ToString().Replace("\n", " ", StringComparison.Ordinal));
        Assert.Equal("v1", shared.Get(Ids[1]).FirstString());
        Assert.False(shared.Has(Ids[9]));
        Assert.Equal(6, overlay.IndexOf(Ids[9]));
        Assert.Equal(1, overlay.IndexOf(Ids[1]));

        overlay.Remove(Ids[2]); // removing a base field makes it a plain row
        Assert.False(overlay.IsOverlay);
        Assert.Equal("v2", shared.Get(Ids[2]).FirstString());
        Assert.Equal(6, overlay.Count);
    }

    private static void Apply(Random rng, Row a, Row b)
    {
        var id = Ids[rng.Next(Ids.Length)];
        var other = Ids[rng.Next(Ids.Length)];
        var value = rng.Next(4) switch
        {
            0 => Value.Null,
            1 => Value.FromNumber(rng.Next(100)),
            2 => Value.FromMulti(["m" + rng.Next(9), "n"]),
            _ => Value.FromString("s" + rng.Next(100)),
        };
        switch (rng.Next(12))
        {
            case 0 or 1 or 2 or 3:
                a.Set(id, value);
                b.Set(id, value);
                break;
            case 4:
                a.SetIfAbsent(id, value);
                b.SetIfAbsent(id, value);
                break;
            case 5:
                a.Remove(id);
                b.Remove(id);
                break;
            case 6:
                a.Rename(id, other);
                b.Rename(id, other);
                break;
            case 7:
                a.MoveToFront(id == other ? [id] : [id, other]);
                b.MoveToFront(id == other ? [id] : [id, other]);
                break;
            case 8:
                a.RemoveWhere(x => x == id);
                b.RemoveWhere(x => x == id);
                break;
            case 9:
                if (!b.Has(id) && !value.IsNull)
                {
                    a.Append(id, value);
                    b.Append(id, value);
                }

                break;
            case 10:
                if (rng.Next(10) == 0)
                {
                    a.Clear();
                    b.Clear();
                }

                break;
            default:
                a.Set(FieldTable.Time, Value.FromNumber(rng.Next(1000)));
                b.Set(FieldTable.Time, a.Get(FieldTable.Time));
                break;
        }
    }

    private static void AssertSame(Row expected, Row actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected.IdAt(i), actual.IdAt(i));
            Assert.Equal(expected.NameAt(i), actual.NameAt(i));
            Assert.Equal(expected.ValueAt(i).ToDisplayString(), actual.ValueAt(i).ToDisplayString());
        }

        foreach (var id in Ids.Append(FieldTable.Time))
        {
            Assert.Equal(expected.Has(id), actual.Has(id));
            Assert.Equal(expected.IndexOf(id), actual.IndexOf(id));
            Assert.Equal(expected.Get(id).ToDisplayString(), actual.Get(id).ToDisplayString());
        }

        Assert.Equal(expected.Time, actual.Time);
        Assert.Equal(expected.ToString(), actual.ToString());
    }
}
