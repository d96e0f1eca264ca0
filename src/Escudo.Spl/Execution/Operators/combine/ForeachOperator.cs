using Escudo.Core.Events;
using Escudo.Spl.Syntax;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Spl.Execution.Operators;

/// <summary>
/// foreach: the template runs once per field matching the patterns, with &lt;&lt;FIELD&gt;&gt;,
/// &lt;&lt;MATCHSTR&gt;&gt; and &lt;&lt;MATCHSEG1&gt;&gt; to &lt;&lt;MATCHSEG3&gt;&gt; filled in. Each distinct template body is parsed here and planned once by
/// <paramref name="plan"/> (the planner's).
/// </summary>
internal sealed class ForeachOperator(ForeachCommand f, Func<Pipeline, string, CompiledSearch> plan) : InPlaceOperator
{
    private readonly FieldPattern[] _patterns = f.Patterns.Select(p => new FieldPattern(p)).ToArray();
    private readonly Dictionary<string, CompiledSearch?> _cache = new(StringComparer.Ordinal);

    public override string Describe() => "foreach " + string.Join(" ", f.Patterns);

    protected override void Map(Row row)
    {
        var names = Enumerable.Range(0, row.Count).Select(row.NameAt).ToList();
        foreach (var name in names)
        {
            var pattern = _patterns.FirstOrDefault(p => p.IsMatch(name));
            if (pattern is null)
            {
                continue;
            }

            var match = pattern.HasWildcard ? pattern.Rewrite(name, "*") ?? name : name;
            var body = f.Template.Replace("<<FIELD>>", name, StringComparison.Ordinal).Replace("<<MATCHSTR>>", match, StringComparison.Ordinal);
            var segments = pattern.Segments(name);
            for (var s = 0; s < 3; s++)
            {
                // <<MATCHSEGn>>: "the part of the field name that matches the" n-th wildcard.
                body = body.Replace($"<<MATCHSEG{s + 1}>>", s < segments.Count ? segments[s] : string.Empty, StringComparison.Ordinal);
            }

            if (!_cache.TryGetValue(body, out var compiled))
            {
                var parsed = Parser.Parse("| " + body.Trim());
                compiled = parsed.Success ? plan(parsed.Value, body) : null;
                _cache[body] = compiled;
            }

            if (compiled is null)
            {
                continue;
            }

            IEnumerable<Row> one = [row];
            foreach (var op in compiled.Operators)
            {
                one = op.Execute(one);
            }

            foreach (var _ in one)
            {
            }
        }
    }
}
