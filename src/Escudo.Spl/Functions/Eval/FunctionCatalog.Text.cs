using System.Text;
using System.Text.RegularExpressions;
using Escudo.Core.Values;

namespace Escudo.Spl.Functions.Eval;

internal static partial class FunctionCatalog
{
    /// <summary>
    /// Characters as a reader counts them (grapheme clusters). In ASCII text the only cluster of
    /// two chars is CR LF (Unicode text segmentation, UAX #29, rule GB3), so the common case needs
    /// no segmentation, which costs far more than the rest of a typical eval.
    /// </summary>
    /// <summary>
    /// len(): "a count of the UTF-8 code points in a string" (Text functions, Search Reference), so
    /// CR LF is two, a combining mark counts on its own, and a character outside the BMP (a UTF-16
    /// surrogate pair) is one.
    /// </summary>
    internal static int TextLength(string s)
    {
        if (Ascii.IsValid(s))
        {
            return s.Length;
        }

        var count = 0;
        foreach (var _ in s.AsSpan().EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    private static void RegisterText()
    {
        Scalar("lower", 1, 1, (a, _) => MapItems(a[0], s => s.ToLowerInvariant()));
        Scalar("upper", 1, 1, (a, _) => MapItems(a[0], s => s.ToUpperInvariant()));
        Scalar("len", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromNumber(TextLength(Str(a[0])!)));
        // "you can use either len or length for the function name" (Text functions, 10.0).
        Scalar("length", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromNumber(TextLength(Str(a[0])!)));
        Scalar("substr", 2, 3, (a, _) =>
        {
            if (a[0].IsNull || !Num(a[1], out var start))
            {
                return Value.Null;
            }

            var s = Str(a[0])!;
            // Splunk's substr is 1-based; a negative start counts from the end.
            // A fractional start counts as its integer part (0.5 is 0, the first character).
            var first = Math.Truncate(start);
            var begin = first > 0 ? (int)Math.Min(first - 1, s.Length) : first < 0 ? (int)Math.Max(0, s.Length + first) : 0;
            if (begin >= s.Length)
            {
                return Value.EmptyString;
            }

            var length = a.Length > 2 && Num(a[2], out var l) ? (int)l : s.Length - begin;
            length = Math.Clamp(length, 0, s.Length - begin);
            return Value.FromString(s.Substring(begin, length));
        });
        Scalar("replace", 3, 3, (a, ctx) =>
        {
            if (a[0].IsNull || a[1].IsNull || a[2].IsNull)
            {
                return Value.Null;
            }

            var re = GetRegex(a[1].ToDisplayString(), ctx);
            if (re is null)
            {
                return Value.Null;
            }

            var replacement = ToDotNetReplacement(a[2].ToDisplayString());
            try
            {
                return MapItems(a[0], s => BoundedReplace(re, s, replacement, ctx.Search));
            }
            catch (RegexMatchTimeoutException)
            {
                ctx.Warn($"replace() timed out on one value of `{a[1].ToDisplayString()}`; the value is left null");
                return Value.Null;
            }
        });
        Scalar("trim", 1, 2, (a, _) => a[0].IsNull || (a.Length > 1 && a[1].IsNull) ? Value.Null : Value.FromString(a.Length > 1 ? Str(a[0])!.Trim(Str(a[1])!.ToCharArray()) : Str(a[0])!.Trim(' ', '\t')));
        Scalar("ltrim", 1, 2, (a, _) => a[0].IsNull || (a.Length > 1 && a[1].IsNull) ? Value.Null : Value.FromString(a.Length > 1 ? Str(a[0])!.TrimStart(Str(a[1])!.ToCharArray()) : Str(a[0])!.TrimStart(' ', '\t')));
        Scalar("rtrim", 1, 2, (a, _) => a[0].IsNull || (a.Length > 1 && a[1].IsNull) ? Value.Null : Value.FromString(a.Length > 1 ? Str(a[0])!.TrimEnd(Str(a[1])!.ToCharArray()) : Str(a[0])!.TrimEnd(' ', '\t')));
        Scalar("urldecode", 1, 1, (a, _) => a[0].IsNull ? Value.Null : Value.FromString(Uri.UnescapeDataString(Str(a[0])!.Replace('+', ' '))));
        Scalar("spath", 2, 2, (a, _) => a[0].IsNull || a[1].IsNull ? Value.Null : JsonPath.Extract(Str(a[0])!, Str(a[1])!));
        Scalar("printf", 1, int.MaxValue, (a, _) => a[0].IsNull ? Value.Null : Value.FromString(Printf.Format(Str(a[0])!, a.AsSpan(1))));
    }

    /// <summary>Splunk's replace() uses \1 for groups; .NET uses $1.</summary>
    private static string ToDotNetReplacement(string s)
    {
        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '$')
            {
                sb.Append("$$");
            }
            else if (s[i] == '\\' && i + 1 < s.Length && char.IsAsciiDigit(s[i + 1]))
            {
                sb.Append("${").Append(s[i + 1]).Append('}');
                i++;
            }
            else if (s[i] == '\\' && i + 1 < s.Length && s[i + 1] == '\\')
            {
                sb.Append('\\');
                i++;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }

    private static Value MapItems(Value v, Func<string, string> f)
    {
        if (v.IsNull)
        {
            return v;
        }

        if (!v.IsMulti)
        {
            return Value.FromString(f(v.ToDisplayString()));
        }

        var items = v.Items;
        var result = new string[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            result[i] = f(items[i]);
        }

        return Value.FromMultiOwned(result);
    }
}
