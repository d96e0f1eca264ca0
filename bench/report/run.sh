#!/usr/bin/env bash
# The hunt report at scale: writes N synthetic Sysmon network events that the founding detections
# fire on (regasm.exe connecting out; each event its own destination, so each is its own hit of
# "Detect Regasm with Network Connection" and of "LOLBAS With Network Traffic"), runs
# `escudo hunt --report` over them with every ESCU detection, then opens the report in Chromium
# and times opening, reading the detail block and filtering (bench/Escudo.Bench report-open). Rewrites bench/report/RESULTS.md.
# Usage: bench/report/run.sh [EVENTS]   (default 50000, which makes about 100,000 hits)
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-50000}"
SHARED="$(cd "${ESCUDO_SHARED:-../shared}" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
dotnet build src/Escudo.Cli -c Release --nologo -v quiet >/dev/null
dotnet build bench/Escudo.Bench -c Release --nologo -v quiet >/dev/null

python3 - "$N" "$WORK/events.xml" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
tpl = open("tests/fixtures/founding/regasm_sysmon.xml", encoding="utf-8").readline().rstrip("\n")
start = 1709546405  # 2024-03-04 10:00:05 UTC; events spread over 30 days
with open(out, "w", encoding="utf-8") as f:
    for i in range(n):
        t = start + i * (30 * 86400) // n
        stamp = "%04d-%02d-%02dT%02d:%02d:%02d.000000000Z" % __import__("time").gmtime(t)[:6]
        ip = "185.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255)
        line = (tpl.replace("2024-03-04T10:00:05.123456700Z", stamp)
                   .replace("<EventRecordID>101<", "<EventRecordID>%d<" % (i + 1))
                   .replace("wks-01.corp.example", "wks-%04d.corp.example" % (i % 200))
                   .replace("CORP\\bob", "CORP\\user%03d" % (i % 500))
                   .replace("185.199.108.133", ip))
        f.write(line + "\n")
PY

E="src/Escudo.Cli/bin/Release/net10.0/escudo"
/usr/bin/time -f "%e" -o "$WORK/hunt.s" "$E" hunt --content "$SHARED/escu" --input "$WORK/events.xml" --out "$WORK/out" --report "$WORK/report.html" --format json >"$WORK/summary.json" 2>"$WORK/hunt.err" || { cat "$WORK/hunt.err"; exit 1; }
HITS=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['timeline']['hits'])" "$WORK/summary.json")
ROWS=$(dotnet bench/Escudo.Bench/bin/Release/net10.0/Escudo.Bench.dll report-open "$WORK/report.html" --runs 5 --text wks-0042)

{
echo "## The hunt report at scale (bench/report/run.sh)"
echo
echo "Produced by \`bench/report/run.sh $N\` on $(date -u +%Y-%m-%d) at commit \`$(git rev-parse --short HEAD)\`;"
echo "$(nproc) cores shared with other work (load average $(cut -d' ' -f1 /proc/loadavg) when measured), Chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}') headless through Playwright, 1280×900."
echo "$N synthetic Sysmon network events, every ESCU detection: $HITS hits, \`escudo hunt --report\` in $(cat "$WORK/hunt.s") s."
echo "Medians of 5 openings (each in a fresh browser context). A filter is timed from the change until the page says"
echo "it has drawn the chart, the hits table, the heat map and the detection list again; the text filter, first, waits for the detail block."
echo
echo "| Measure | Result |"
echo "|---|---|"
echo "$ROWS"
} > bench/report/RESULTS.md
cat bench/report/RESULTS.md
