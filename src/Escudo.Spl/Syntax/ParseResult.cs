using System.Diagnostics.CodeAnalysis;
using Escudo.Core.Diagnostics;

namespace Escudo.Spl.Syntax;

/// <summary>A parsed value or the diagnostic that explains why there is none.</summary>
public sealed class ParseResult<T>
    where T : class
{
    private ParseResult(T? value, Diagnostic? diagnostic)
    {
        Value = value;
        Diagnostic = diagnostic;
    }

    public T? Value { get; }

    public Diagnostic? Diagnostic { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Diagnostic))]
    public bool Success => Value is not null;

    public static ParseResult<T> Ok(T value) => new(value, null);

    public static ParseResult<T> Fail(Diagnostic d) => new(null, d);

    public T GetValueOrThrow() => Value ?? throw new DiagnosticException(Diagnostic!);
}
