#!/usr/bin/env bash
# A self-contained single-file escudo for one runtime, carrying only that runtime's native DuckDB
# library: scripts/publish.sh linux-x64 [OUT]. Runtimes: linux-x64, linux-arm64, osx-arm64,
# win-x64, win-arm64. Needs no .NET on the target machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rid="${1:?usage: scripts/publish.sh RID [OUT]  (RID: linux-x64, linux-arm64, osx-arm64, win-x64, win-arm64)}"
out="${2:-out/$rid}"
dotnet publish src/Escudo.Cli -c Release -r "$rid" --self-contained \
  -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true -p:EnableCompressionInSingleFile=true \
  -p:DebugType=none -o "$out" --nologo -v quiet
ls -la "$out"
