namespace Escudo.Spl.Syntax;

/// <summary>
/// The names of the eval functions, as a fact of the syntax: the parser reads <c>name (</c> with a
/// space before the parenthesis as a call only for these. The catalog that implements them
/// (<c>Functions.Eval.FunctionCatalog</c>) sits above the syntax, so the parser keeps its own list;
/// <c>EvalFunctionNamesTests</c> fails when the two differ.
/// </summary>
internal static class EvalFunctionNames
{
    public static IReadOnlySet<string> All { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "abs", "case", "ceil", "ceiling", "cidrmatch", "coalesce", "exact", "exp", "false", "floor", "if", "in",
        "ipmask", "isarray", "isbool", "isdouble", "isint", "ismv", "isnotnull", "isnull", "isnum", "isobject", "isstr", "len", "length", "like", "ln", "log",
        "lower", "ltrim", "match", "max", "md5", "min", "mvappend", "mvcount", "mvdedup", "mvfilter",
        "mvfind", "mvindex", "mvjoin", "mvmap", "mvrange", "mvreverse", "mvsort", "mv_to_json_array", "mvzip", "now", "null", "nullif",
        "pi", "pow", "printf", "random", "relative_time", "replace", "round", "rtrim", "searchmatch",
        "sha1", "sha256", "sha512", "sigfig", "spath", "split", "sqrt", "strftime", "strptime", "substr",
        "time", "tonumber", "tostring", "trim", "true", "typeof", "upper", "urldecode", "validate",
    };

    public static bool Contains(string name) => All.Contains(name);
}
