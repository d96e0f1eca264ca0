using System.Globalization;
using System.Text.RegularExpressions;
using Escudo.Core.Time;
using Escudo.Core.Values;
using Escudo.Spl.Execution;

namespace Escudo.Spl.Functions.Eval;

internal static partial class FunctionCatalog
{
    private static void RegisterTime()
    {
        Scalar("now", 0, 0, (_, ctx) => Value.FromNumber(Math.Floor(ctx.Now)));
        Scalar("time", 0, 0, (_, _) => Value.FromNumber(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0));
        Scalar("relative_time", 2, 2, (a, _) =>
        {
            if (!Num(a[0], out var t) || a[1].IsNull)
            {
                return Value.Null;
            }

            return RelativeTime.Resolve(Str(a[1])!, t) is { } r ? Value.FromNumber(r) : Value.Null;
        });
        // A time outside the years 1 to 9999 has no calendar form: null, like any argument strftime cannot read.
        Scalar("strftime", 2, 2, (a, _) => Num(a[0], out var t) && !a[1].IsNull && StrTime.TryFormat(t, Str(a[1])!, out var text) ? Value.FromString(text) : Value.Null);
        // strptime's result is written with six decimals: the Date and Time functions page shows
        // strptime(starttime,"%s") as 1534143600.000000 and every startunix as ...600.000000
        // (https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/evaluation-functions/date-and-time-functions).
        // The text still reads as a number in arithmetic and comparisons.
        Scalar("strptime", 2, 2, (a, _) => a[0].IsNull || a[1].IsNull ? Value.Null : StrTime.Parse(Str(a[0])!, Str(a[1])!) is { } t && double.IsFinite(t)
            ? Value.FromString(t.ToString("0.000000", System.Globalization.CultureInfo.InvariantCulture))
            : Value.Null);
    }

    private static void RegisterConversion()
    {
        Scalar("tostring", 1, 2, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            if (a[0].IsBoolean)
            {
                // tostring(1==1) is "True". https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/ConversionFunctions
                return Value.FromString(a[0].RawBoolean ? "True" : "False");
            }

            if (a.Length == 1)
            {
                return a[0].IsMulti ? a[0] : Value.FromString(a[0].ToDisplayString());
            }

            var fmt = Str(a[1]);
            if (!Num(a[0], out var d))
            {
                return Value.FromString(a[0].ToDisplayString());
            }

            return fmt switch
            {
                "hex" => Value.FromString("0x" + ((long)d).ToString("X", CultureInfo.InvariantCulture)),
                // "the result of the following function is 1001, because the binary representation of 9 is 1001"
                "binary" => Value.FromString(Convert.ToString((long)d, 2)),
                "commas" => Value.FromString(Math.Round(d, 2).ToString(d == Math.Floor(d) ? "#,##0" : "#,##0.##", CultureInfo.InvariantCulture)),
                "duration" => FormatDuration(d) is { } duration ? Value.FromString(duration) : Value.Null,
                _ => Value.FromString(a[0].ToDisplayString()),
            };
        });
        Scalar("tonumber", 1, 2, (a, _) =>
        {
            if (a[0].IsNull)
            {
                return Value.Null;
            }

            // "If the tonumber function can't parse a field value to a number, for example if the value
            // contains a leading and trailing space, the function returns NULL."
            var s = Str(a[0])!;
            if (s.Length > 0 && (char.IsWhiteSpace(s[0]) || char.IsWhiteSpace(s[^1])))
            {
                return Value.Null;
            }

            var radix = a.Length > 1 && Num(a[1], out var b) ? (int)b : 10;
            if (radix == 10)
            {
                return Value.TryParseNumber(s, out var d) ? Value.FromNumber(d) : Value.Null;
            }

            try
            {
                if (radix == 16 && s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
                {
                    s = s[2..];
                }

                return Value.FromNumber(Convert.ToInt64(s, radix));
            }
            catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
            {
                return Value.Null;
            }
        });
        Special("typeof", 1, 1, (args, c) =>
        {
            var arg = c.Compile(args[0]);
            var madeString = MakesString(args[0]);
            return r =>
            {
                var v = arg(r);
                return Value.FromString(v.Kind switch
                {
                    ValueKind.Null => "Invalid",
                    ValueKind.Number => "Number",
                    // The Informational functions page: typeof(12) + typeof("string") + typeof(1==2) + typeof(badfield)
                    // "returns \"NumberStringBoolInvalid\"".
                    ValueKind.Boolean => "Bool",
                    ValueKind.Multi => "Multivalue",
                    // A field's text that reads as a number is a number; text the expression made is a string.
                    _ => !madeString && v.TryGetNumber(out _) ? "Number" : "String",
                });
            };
        });
        Scalar("isnum", 1, 1, (a, ctx) => Value.FromBoolean(a[0].TryGetNumber(out _)));
        Scalar("isint", 1, 1, (a, ctx) => Value.FromBoolean(a[0].TryGetNumber(out var d) && d == Math.Floor(d)));
        Scalar("isstr", 1, 1, (a, ctx) => Value.FromBoolean(!a[0].IsNull && !a[0].IsBoolean && !a[0].TryGetNumber(out _)));
        Scalar("isbool", 1, 1, (a, _) => Value.FromBoolean(a[0].IsBoolean));
    }

    /// <summary>The Informational functions that tell a value's shape: double, multivalue, JSON array or object.</summary>
    private static void RegisterShapeChecks()
    {
        // Informational functions (10.0): isdouble(3.546) is True, isdouble(1000000) False; ismv of a
        // split is True; isarray("[1, 2, 3]") is True and isarray(1) False; isobject is TRUE "if a
        // string is a valid JSON object" ("{cities: \"3\"}" is not).
        Scalar("isdouble", 1, 1, (a, _) => Value.FromBoolean(a[0].Kind != ValueKind.Multi && a[0].TryGetNumber(out var d) && double.IsFinite(d) && d != Math.Floor(d)));
        Scalar("ismv", 1, 1, (a, _) => Value.FromBoolean(a[0].Kind == ValueKind.Multi));
        Scalar("isarray", 1, 1, (a, _) => Value.FromBoolean(JsonRoot(a[0]) == System.Text.Json.JsonValueKind.Array));
        Scalar("isobject", 1, 1, (a, _) => Value.FromBoolean(JsonRoot(a[0]) == System.Text.Json.JsonValueKind.Object));
    }

    /// <summary>The kind of JSON a single text value holds, Undefined when it is no JSON (or not one text).</summary>
    private static System.Text.Json.JsonValueKind JsonRoot(Value v)
    {
        if (v.Kind is ValueKind.Null or ValueKind.Multi or ValueKind.Boolean)
        {
            return System.Text.Json.JsonValueKind.Undefined;
        }

        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(v.ToDisplayString());
            return doc.RootElement.ValueKind;
        }
        catch (System.Text.Json.JsonException)
        {
            return System.Text.Json.JsonValueKind.Undefined;
        }
    }

    /// <summary>
    /// Whether an expression's value is text by its making: a quoted literal (typeof("string") is
    /// String), a concatenation, or a function that returns a string ("tostring ... converts a value to
    /// a string"; printf "builds a string value").
    /// https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/evaluation-functions/conversion-functions
    /// </summary>
    internal static bool MakesString(Syntax.Ast.Expr e) => e switch
    {
        Syntax.Ast.StringLiteral => true,
        Syntax.Ast.Binary { Op: "." } => true,
        Syntax.Ast.Call call => call.Name.ToLowerInvariant() is "tostring" or "printf" or "lower" or "upper" or "substr"
            or "trim" or "ltrim" or "rtrim" or "replace" or "urldecode" or "md5" or "sha1" or "sha256" or "sha512" or "strftime",
        _ => false,
    };

    /// <summary>The most decimals round(x, n) shows.</summary>
    private const int MaxRoundDigits = 100;

    private static Value Round(double d, int digits)
    {
        var r = Math.Round(d, Math.Clamp(digits, 0, 15), MidpointRounding.AwayFromZero);
        // round(x, n) keeps n decimals in its display (round(2.5000, 2) shows 2.50).
        return digits > 0 ? Value.FromString(r.ToString("F" + digits, CultureInfo.InvariantCulture)) : Value.FromNumber(r);
    }

    /// <summary>
    /// re.Replace, but a replacement that could build more than <see cref="ValueLimits.MaxStringLength"/>
    /// (an empty match at every position, or group references repeating a long input) is counted as it
    /// goes and stops the search at the limit instead of exhausting memory.
    /// </summary>
    private static string BoundedReplace(Regex re, string s, string replacement, SearchContext? search)
    {
        var references = replacement.Count(c => c == '$');
        var perMatch = replacement.Length + ((long)references * s.Length);
        if (((s.Length + 1L) * perMatch) + s.Length <= ValueLimits.MaxStringLength)
        {
            return SplRegex.Replace(re, s, replacement, -1, search);
        }

        long added = 0;
        string Run() => re.Replace(s, m =>
        {
            var r = m.Result(replacement);
            added += r.Length;
            ValueLimits.Check("replace", s.Length + added);
            return r;
        });
        return search is not null && SplRegex.Backtracks(re) ? search.Budget.TimeRegex(re, Run) : Run();
    }

    private static string? FormatDuration(double seconds)
    {
        // TimeSpan holds about 29,000 years; a longer duration has no clock form.
        if (!double.IsFinite(seconds) || Math.Abs(seconds) >= TimeSpan.MaxValue.TotalSeconds - 1)
        {
            return null;
        }

        var ts = TimeSpan.FromSeconds(Math.Floor(seconds));
        var core = $"{ts.Hours:00}:{ts.Minutes:00}:{ts.Seconds:00}";
        return ts.Days > 0 ? $"{ts.Days}+{core}" : core;
    }
}
