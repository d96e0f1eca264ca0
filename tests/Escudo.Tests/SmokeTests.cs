using Escudo.Core.Values;

namespace Escudo.Tests;

public class SmokeTests
{
    [Fact]
    public void NumbersDisplayWithoutTrailingZeros()
    {
        Assert.Equal("3", Value.FromNumber(3).ToDisplayString());
        Assert.Equal("2.5", Value.FromNumber(2.5).ToDisplayString());
    }
}
