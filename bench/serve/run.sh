#!/usr/bin/env bash
# Loopback load test of `escudo serve` (not part of the test suite). For each event kind, a fresh
# server on a free loopback port and a fresh store; WRITERS HEC clients send at full speed for
# SECONDS while a searcher runs two searches a second; then the server's peak RSS is read and it
# is stopped. Everything stops by itself.
# Usage: bench/serve/run.sh [seconds=20] [writers=8] [batch=500] [kinds="xml json"]
#   xml: Sysmon XmlWinEventLog events (~1.6 KB each); json: small HEC JSON events (~400 bytes).
# STORE=clickhouse://H1:P1,H2:P2/DB?cluster=escudo runs it against ClickHouse (scripts/clickhouse-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_=${1:-20}; WRITERS=${2:-8}; BATCH=${3:-500}; KINDS=${4:-xml json}
dotnet build src/Escudo.Cli -c Release -v q -nologo >/dev/null
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
SERVER=""; DATA=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null; [ -n "$DATA" ] && rm -rf "$DATA" "$DATA.log"; SERVER=""; DATA=""; }
trap cleanup EXIT
for KIND in $KINDS; do
  PORT=${PORT:-$(free_port)}
  DATA=$(mktemp -d)
  dotnet src/Escudo.Cli/bin/Release/net10.0/escudo.dll serve --data "$DATA" --listen 127.0.0.1:$PORT --hec-token bench --no-scheduler ${STORE:+--store "$STORE"} > "$DATA.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 300); do curl -sf http://127.0.0.1:$PORT/services/collector/health >/dev/null && break; sleep 0.1; done
  # Resident memory every second while loaded (the peak is VmHWM at the end).
  ( while kill -0 "$SERVER" 2>/dev/null; do awk '/VmRSS/{printf "%d ", $2/1024}' /proc/$SERVER/status 2>/dev/null; sleep 1; done ) > "$DATA.rss" &
  SAMPLER=$!
  echo "== $KIND events, $WRITERS writers, $BATCH events per request, $SECONDS_ s (load $(cut -d' ' -f1-3 /proc/loadavg))"
  dotnet run bench/serve/load.cs -- http://127.0.0.1:$PORT bench "$SECONDS_" "$WRITERS" "$BATCH" "$KIND"
  PEAK=$(awk '/VmHWM/{printf "%d", $2/1024}' /proc/$SERVER/status)
  echo "server peak RSS: $PEAK MiB"
  echo "target: server RSS < 1 GB (1024 MiB): peak $PEAK MiB, $([ "$PEAK" -lt 1024 ] && echo MET || echo NOT MET)"
  echo "server RSS per second (MiB): $(cat "$DATA.rss")"
  echo "store: $(du -sh "$DATA" | cut -f1) on disk"
  curl -s -H "Authorization: Splunk bench" http://127.0.0.1:$PORT/escudo/stats; echo
  kill $SAMPLER 2>/dev/null || true; wait $SAMPLER 2>/dev/null || true; rm -f "$DATA.rss"
  cleanup
  unset PORT
done
