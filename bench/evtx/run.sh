#!/bin/sh
# Times the EVTX reader (Release, single thread) over the shared datasets (files are read into memory first).
set -e
cd "$(dirname "$0")"
DATA="${1:-${ESCUDO_SHARED:-../../../shared}/datasets}"
dotnet run -c Release --project EvtxBench.csproj -- bench "$DATA"
