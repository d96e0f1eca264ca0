#!/usr/bin/env bash
# Loopback load test of `escudo serve` (not part of the test suite).
# Usage: bench/serve/run.sh [seconds=20] [writers=4] [batch=500]
# STORE=clickhouse://H1:P1,H2:P2/DB?cluster=escudo runs it against ClickHouse (scripts/clickhouse-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_=${1:-20}; WRITERS=${2:-4}; BATCH=${3:-500}
PORT=${PORT:-18089}
DATA=$(mktemp -d)
dotnet build src/Escudo.Cli -c Release -v q -nologo >/dev/null
dotnet src/Escudo.Cli/bin/Release/net10.0/escudo.dll serve --data "$DATA" --listen 127.0.0.1:$PORT --hec-token bench --no-scheduler ${STORE:+--store "$STORE"} > "$DATA.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -rf "$DATA" "$DATA.log"' EXIT
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$PORT/services/collector/health >/dev/null && break; sleep 0.1; done
dotnet run bench/serve/load.cs -- http://127.0.0.1:$PORT bench "$SECONDS_" "$WRITERS" "$BATCH"
echo "store: $(du -sh "$DATA" | cut -f1) on disk"
curl -s -H "Authorization: Splunk bench" http://127.0.0.1:$PORT/escudo/stats; echo
