using Escudo.Core.Events;
using Escudo.Core.Values;
using Escudo.Detections.Running;
using Escudo.Spl;
using Escudo.Spl.Execution;
using Escudo.Spl.Syntax.Ast;

namespace Escudo.Tests.Hunt;

/// <summary>
/// The shared pass skips a detection for a row when none of its necessary literals occur in the
/// row. That is only sound if every literal is truly necessary (a row without it can never match)
/// and if the automaton finds every literal that is there, ignoring case as search values do.
/// </summary>
public class LiteralPrefilterTests
{
    private static SearchExpr Expr(string search)
    {
        var parsed = SplEngine.Parse("search " + search);
        Assert.True(parsed.Success, search);
        return ((SearchCommand)parsed.Value!.Commands[0]).Expr;
    }

    [Theory]
    [InlineData("process_name=cmd.exe", "process_name:cmd.exe")]
    [InlineData("registry_path=\"*\\\\CurrentVersion\\\\Run*\"", "registry_path:\\CurrentVersion\\Run")]
    [InlineData("process_name IN (\"a.exe\", \"*bb*\")", "process_name:a.exe|process_name:bb")]
    [InlineData("(process_name=x.exe OR original_file_name=X.EXE) user=bob", "process_name:x.exe|original_file_name:X.EXE")]
    [InlineData("EventCode=1 Image=\"*\\\\regasm.exe\"", "Image:\\regasm.exe")]
    public void DerivesTheLiteralsEveryMatchNeeds(string search, string expected)
    {
        var lits = NecessaryLiterals.Of(Expr(search));
        Assert.NotNull(lits);
        Assert.Equal(expected, string.Join('|', lits!.Select(l => l.Field + ":" + l.Literal)));
    }

    [Theory]
    [InlineData("EventCode=4688")] // numbers compare as numbers: 4688 matches 4688.0
    [InlineData("dest_ip=10.0.0.0/8")] // CIDR matches addresses, not text
    [InlineData("process_name!=cmd.exe")]
    [InlineData("NOT process_name=cmd.exe")]
    [InlineData("process_name=*")]
    [InlineData("process_name=cmd.exe OR powershell")] // a bare term searches _raw: no literal for it here
    [InlineData("index=main")]
    public void DerivesNothingWhereAMatchDoesNotImplyASubstring(string search) =>
        Assert.Null(NecessaryLiterals.Of(Expr(search)));

    [Fact]
    public void MarksTheFeedsWhoseLiteralsOccurIgnoringCaseInAnyValue()
    {
        var prefilter = new LiteralPrefilter(
        [
            (0, [("process", "mimikatz")]),
            (1, [("process", "katz"), ("parent", "WINWORD.EXE")]),
            (2, [("process", "sekurlsa::")]),
            (3, [("parent", "excel.exe")]),
            (64, [("process", "Ä")]), // a second word of marks, and a non-ASCII letter folded as OrdinalIgnoreCase folds it
        ]);
        var row = new Row();
        row.Set(FieldTable.Intern("process"), Value.FromString("C:\\tools\\MimiKatz.exe \"ä\""));
        row.Set(FieldTable.Intern("parent"), Value.FromMulti(["explorer.exe", "winword.exe"]));
        var marks = new ulong[2];
        prefilter.Mark(row, marks);
        Assert.Equal((1UL << 0) | (1UL << 1), marks[0]);
        Assert.Equal(1UL, marks[1]);
    }

    [Fact]
    public void EveryRowAFilterAcceptsCarriesOneOfItsLiterals()
    {
        // The soundness rule itself, over wildcard shapes: whatever the predicate accepts, the prefilter marks.
        string[] searches = ["p=\"*a\\\\b*c*\"", "p=abc*", "p=*XYZ", "p IN (\"*q*\", \"rr\")", "(p=\"*1st*\" OR q=\"*2nd*\") r=*"];
        string[] values = ["a\\bxc", "A\\B C", "abcdef", "wxyz", "XYZ", "Q", "rr", "RR", "the 1ST", "2nd", "zzz", string.Empty];
        var ctx = new SearchContext();
        for (var i = 0; i < searches.Length; i++)
        {
            var expr = Expr(searches[i]);
            var predicate = SearchPredicateCompiler.Compile(expr, ctx);
            var prefilter = new LiteralPrefilter([(0, NecessaryLiterals.Of(expr)!)]);
            foreach (var p in values)
            {
                foreach (var q in values)
                {
                    var row = new Row();
                    row.Set(FieldTable.Intern("p"), Value.FromString(p));
                    row.Set(FieldTable.Intern("q"), Value.FromString(q));
                    row.Set(FieldTable.Intern("r"), Value.FromString("x"));
                    var marks = new ulong[1];
                    prefilter.Mark(row, marks);
                    Assert.False(predicate(row) && marks[0] == 0, $"{searches[i]} accepts p={p} q={q} but the prefilter skips it");
                }
            }
        }
    }
}
