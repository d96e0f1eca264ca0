#!/usr/bin/env bash
# A few seconds of every benchmark, to check the harness still runs (CI calls this; figures are not recorded).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED="${ESCUDO_SHARED:-../shared}"
dotnet build bench/Escudo.Bench -c Release --nologo -v quiet >/dev/null
dotnet bench/Escudo.Bench/bin/Release/net10.0/Escudo.Bench.dll smoke "$SHARED/escu" "$SHARED/datasets/EVTX-ATTACK-SAMPLES/Lateral Movement"
