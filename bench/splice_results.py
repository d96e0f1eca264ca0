#!/usr/bin/env python3
"""Writes bench/run.sh's generated text into bench/RESULTS.md between its markers, leaving every
hand-written section outside the markers as it is.

Usage: splice_results.py RESULTS.md GENERATED.md

GENERATED.md holds one or more named blocks, each opened by a line
`<!-- bench:generated:start NAME -->` and closed by `<!-- bench:generated:end NAME -->`; the text
between is what run.sh measured. In RESULTS.md, the text between the same two lines is replaced by
the new block; everything else is copied byte for byte. A block RESULTS.md does not hold yet is
added at the end (the first run after a new section), so nothing is ever dropped. A marker that is
unbalanced, repeated or out of order in either file stops the splice with a message and exit 2,
and RESULTS.md is left untouched (the new figures stay in GENERATED.md).
"""
import os
import re
import sys

MARKER = re.compile(r"^<!-- bench:generated:(start|end) ([A-Za-z0-9_-]+) -->$")


class MarkerError(Exception):
    pass


def parse(lines, what):
    """The file as a list of parts: ('text', [lines]) outside blocks, ('block', name, [lines]) inside."""
    parts, current, name, seen = [], [], None, set()
    for number, line in enumerate(lines, 1):
        m = MARKER.match(line.rstrip("\r\n"))
        if not m:
            current.append(line)
            continue
        kind, block = m.groups()
        if kind == "start":
            if name is not None:
                raise MarkerError(f"{what}:{number}: block '{block}' starts inside block '{name}'")
            if block in seen:
                raise MarkerError(f"{what}:{number}: block '{block}' appears twice")
            parts.append(("text", current))
            current, name = [], block
            seen.add(block)
        else:
            if name != block:
                raise MarkerError(f"{what}:{number}: end of block '{block}' without its start"
                                  + (f" (block '{name}' is open)" if name else ""))
            parts.append(("block", name, current))
            current, name = [], None
    if name is not None:
        raise MarkerError(f"{what}: block '{name}' is never ended (no '<!-- bench:generated:end {name} -->')")
    parts.append(("text", current))
    return parts


def splice(results_lines, generated_lines, results_name="RESULTS.md", generated_name="generated"):
    """The new RESULTS.md lines; raises MarkerError on bad markers."""
    generated = {p[1]: p[2] for p in parse(generated_lines, generated_name) if p[0] == "block"}
    if not generated:
        raise MarkerError(f"{generated_name}: no generated block (nothing measured to write)")
    out, used = [], set()
    for part in parse(results_lines, results_name):
        if part[0] == "text":
            out.extend(part[1])
            continue
        name, old = part[1], part[2]
        out.append(f"<!-- bench:generated:start {name} -->\n")
        out.extend(generated.get(name, old))  # a block this run did not produce keeps its old text
        out.append(f"<!-- bench:generated:end {name} -->\n")
        used.add(name)
    for name, body in generated.items():
        if name not in used:
            if out and not out[-1].endswith("\n"):
                out[-1] += "\n"
            out.append(f"<!-- bench:generated:start {name} -->\n")
            out.extend(body)
            out.append(f"<!-- bench:generated:end {name} -->\n")
    return out


def main(argv):
    if len(argv) != 3:
        print("usage: splice_results.py RESULTS.md GENERATED.md", file=sys.stderr)
        return 2
    results_path, generated_path = argv[1], argv[2]
    with open(generated_path, encoding="utf-8", newline="") as f:
        generated_lines = f.readlines()
    results_lines = []
    if os.path.exists(results_path):
        with open(results_path, encoding="utf-8", newline="") as f:
            results_lines = f.readlines()
    try:
        new = splice(results_lines, generated_lines, results_path, generated_path)
    except MarkerError as e:
        print(f"splice_results: {e}; {results_path} left as it was, the new figures are in {generated_path}", file=sys.stderr)
        return 2
    tmp = results_path + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.writelines(new)
    os.replace(tmp, results_path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
