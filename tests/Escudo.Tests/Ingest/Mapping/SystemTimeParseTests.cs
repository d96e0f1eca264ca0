using System.Globalization;
using Escudo.Ingest.Windows;

namespace Escudo.Tests.Ingest.Mapping;

/// <summary>ParseSystemTime's digit-by-digit path must give exactly what DateTime/double parsing gave.</summary>
public class SystemTimeParseTests
{
    private static double? Reference(string? s)
    {
        if (string.IsNullOrEmpty(s) || s.Length < 19)
        {
            return null;
        }

        if (!DateTime.TryParseExact(s.AsSpan(0, 19), "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
        {
            return null;
        }

        double fraction = 0;
        var i = 19;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            var start = i;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
            }

            if (i > start)
            {
                fraction = double.Parse("0." + s[start..Math.Min(i, start + 9)], CultureInfo.InvariantCulture);
            }
        }

        return Math.Round(((dt - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond) + fraction, 6);
    }

    [Theory]
    [InlineData("2020-10-08T11:03:46.617920300Z")]
    [InlineData("2020-10-08T11:03:46.6Z")]
    [InlineData("2020-10-08T11:03:46.123456789123Z")]
    [InlineData("2020-10-08T11:03:46Z")]
    [InlineData("2020-02-29T23:59:59.999999999Z")]
    [InlineData("2019-02-29T00:00:00.000Z")]
    [InlineData("2020-13-01T00:00:00Z")]
    [InlineData("2020-10-08T24:00:00Z")]
    [InlineData("2020-10-08T11:03:60Z")]
    [InlineData("0000-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00.5Z")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("2020-1x-08T11:03:46Z")]
    [InlineData("2020/10/08 11:03:46")]
    [InlineData("2020-10-08T11:03:4")]
    [InlineData("")]
    [InlineData(null)]
    public void SystemTimeParsesAsTheFormatParserDid(string? text) =>
        Assert.Equal(Reference(text), WindowsEventMapper.ParseSystemTime(text));

    [Fact]
    public void SystemTimeFractionsMatchDoubleParsingForManyValues()
    {
        var random = new Random(3);
        for (var i = 0; i < 20000; i++)
        {
            var digits = random.Next(1, 10);
            var fraction = random.NextInt64(0, (long)Math.Pow(10, digits)).ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
            var text = $"20{random.Next(0, 100):D2}-{random.Next(1, 13):D2}-{random.Next(1, 29):D2}T{random.Next(0, 24):D2}:{random.Next(0, 60):D2}:{random.Next(0, 60):D2}.{fraction}Z";
            Assert.Equal(Reference(text), WindowsEventMapper.ParseSystemTime(text));
        }
    }
}
