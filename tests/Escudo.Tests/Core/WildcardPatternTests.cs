using System.Text;
using System.Text.RegularExpressions;
using Escudo.Spl.Execution;

namespace Escudo.Tests.Core;

/// <summary>
/// Search wildcards (https://docs.splunk.com/Documentation/Splunk/latest/Search/Wildcards): `*`
/// matches any run of characters, case is ignored, and the pattern covers the whole value. The
/// compiled matcher (exact, prefix, suffix, contains and segment shapes, with vectorized text
/// search) must agree with a plain regular expression on random patterns and values, and find
/// patterns inside longer text the same way.
/// </summary>
public class WildcardPatternTests
{
    private const string Alphabet = "abAB*\\. éÉ";

    private static string Random(Random r, int max, bool star)
    {
        var sb = new StringBuilder();
        var n = r.Next(max + 1);
        for (var i = 0; i < n; i++)
        {
            var c = Alphabet[r.Next(Alphabet.Length)];
            sb.Append(c == '*' && !star ? 'a' : c);
        }

        return sb.ToString();
    }

    private static Regex Reference(string pattern, bool whole) =>
        new((whole ? "^" : string.Empty) + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + (whole ? "$" : string.Empty), RegexOptions.IgnoreCase | RegexOptions.Singleline | RegexOptions.CultureInvariant);

    [Fact]
    public void CompiledPatternsAgreeWithARegularExpression()
    {
        var r = new Random(20261130);
        for (var i = 0; i < 20000; i++)
        {
            var pattern = Random(r, 6, star: true);
            var value = Random(r, 12, star: false);
            var compiled = new WildcardPattern(pattern);
            Assert.True(Reference(pattern, whole: true).IsMatch(value) == compiled.IsMatch(value), $"IsMatch: pattern `{pattern}` value `{value}`");
            if (pattern.Length > 0)
            {
                Assert.True(Reference(pattern, whole: false).IsMatch(value) == compiled.IsFoundIn(value), $"IsFoundIn: pattern `{pattern}` text `{value}`");
            }
        }
    }

    [Theory]
    [InlineData("*mimikatz*", "C:\\Tools\\MimiKatz.exe", true)]
    [InlineData("*\\regasm.exe", "C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\RegAsm.exe", true)]
    [InlineData("*-enc*", "powershell.exe -NoP -e JAB", false)]
    [InlineData("*-enc*", "powershell.exe -NoP -ENCodedCommand", true)]
    [InlineData("c:\\*\\temp\\*.exe", "C:\\Users\\bob\\AppData\\Local\\Temp\\x.EXE", true)]
    [InlineData("c:\\*\\temp\\*.exe", "C:\\Users\\bob\\AppData\\Local\\Temp\\x.dll", false)]
    public void DetectionPatterns(string pattern, string value, bool expected) =>
        Assert.Equal(expected, new WildcardPattern(pattern).IsMatch(value));
}
