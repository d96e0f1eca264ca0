#!/bin/sh
# Times extraction + CIM data model mapping (Release, single thread) over the shared datasets.
set -e
cd "$(dirname "$0")"
DATA="${1:-${ESCUDO_SHARED:-../../../shared}/datasets}"
dotnet run -c Release --project MappingBench.csproj -- bench "$DATA"
