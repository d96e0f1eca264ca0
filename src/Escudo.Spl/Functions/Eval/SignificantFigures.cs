using System.Globalization;
using Escudo.Core.Values;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Functions.Eval;

/// <summary>
/// sigfig(X): "The computation for sigfig is based on the type of calculation that generates the
/// number. For multiplication and division, the result should have the minimum number of significant
/// figures of all of the operands. For addition and subtraction, the result should have the same number
/// of decimal places as the least precise number of all of the operands." So the rule reads the operands
/// as written (a literal's text, a field's value as shown), not the double they make: 1.00 has three
/// significant figures where 1 has one. An argument that is no such calculation keeps its own figures.
/// https://help.splunk.com/splunk-enterprise/spl-search-reference/10.0/evaluation-functions/mathematical-functions
/// </summary>
internal static class SignificantFigures
{
    public static CompiledExpr Compile(Expr arg, IEvalCompiler compiler)
    {
        var value = compiler.Compile(arg);
        if (arg is not Binary { Op: "*" or "/" or "+" or "-" } binary)
        {
            return value;
        }

        var multiplicative = binary.Op is "*" or "/";
        var operands = new List<Expr>();
        Collect(binary, multiplicative, operands);
        var texts = operands.Select(o => OperandText(o, compiler)).ToArray();
        return row =>
        {
            var result = value(row);
            if (!result.TryGetNumber(out var d) || !double.IsFinite(d))
            {
                return result;
            }

            var least = int.MaxValue;
            foreach (var text in texts)
            {
                var operand = text(row);
                if (operand is null)
                {
                    return result;
                }

                least = Math.Min(least, multiplicative ? Figures(operand) : Decimals(operand));
            }

            return multiplicative ? ToFigures(d, Math.Max(least, 1)) : ToDecimals(d, least);
        };
    }

    /// <summary>The operands of one chain of the same kind of operator: a*b/c has three.</summary>
    private static void Collect(Expr e, bool multiplicative, List<Expr> operands)
    {
        if (e is Binary b && (multiplicative ? b.Op is "*" or "/" : b.Op is "+" or "-"))
        {
            Collect(b.Left, multiplicative, operands);
            Collect(b.Right, multiplicative, operands);
            return;
        }

        operands.Add(e);
    }

    /// <summary>An operand as written: a number literal's own text, anything else its value as shown.</summary>
    private static Func<Core.Events.Row, string?> OperandText(Expr e, IEvalCompiler compiler)
    {
        if (e is NumberLiteral n)
        {
            var text = n.Text;
            return _ => text;
        }

        var compiled = compiler.Compile(e);
        return row => compiled(row) is { IsNull: false } v && v.TryGetNumber(out _) ? v.ToDisplayString() : null;
    }

    /// <summary>
    /// Significant figures of a number as written: every digit from the first non-zero one; trailing
    /// zeros of a number without a decimal point are not significant (1200 has two), by the usual rule.
    /// </summary>
    internal static int Figures(string text)
    {
        var mantissa = Mantissa(text);
        var digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('0');
        if (!mantissa.Contains('.', StringComparison.Ordinal))
        {
            digits = digits.TrimEnd('0');
        }

        return Math.Max(digits.Length, 1);
    }

    /// <summary>Decimal places of a number as written (123.0 has one, 4.567 three).</summary>
    internal static int Decimals(string text)
    {
        var mantissa = Mantissa(text);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? 0 : mantissa.Length - dot - 1;
    }

    private static string Mantissa(string text)
    {
        var s = text.Trim().TrimStart('+', '-');
        var e = s.IndexOfAny(['e', 'E']);
        return e < 0 ? s : s[..e];
    }

    private static Value ToFigures(double d, int figures)
    {
        if (d == 0)
        {
            return Value.FromNumber(0);
        }

        var decimals = figures - 1 - (int)Math.Floor(Math.Log10(Math.Abs(d)));
        if (decimals > 0)
        {
            return ToDecimals(d, decimals);
        }

        // Rounding left of the point: 1111 to three figures is 1110.
        var scale = Math.Pow(10, -decimals);
        return Value.FromNumber(Math.Round(d / scale, MidpointRounding.AwayFromZero) * scale);
    }

    private static Value ToDecimals(double d, int decimals)
    {
        if (decimals <= 0)
        {
            return Value.FromNumber(Math.Round(d, MidpointRounding.AwayFromZero));
        }

        decimals = Math.Min(decimals, 15);
        // The figures kept are shown, trailing zeros included, as round(x, n) shows them.
        return Value.FromString(Math.Round(d, decimals, MidpointRounding.AwayFromZero).ToString("F" + decimals, CultureInfo.InvariantCulture));
    }
}
