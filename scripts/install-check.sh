#!/usr/bin/env bash
# Packs escudo as a .NET tool, installs it into a temporary tool path the way a user would
# (`dotnet tool install`), and runs `escudo --version` and `escudo demo` from the installed copy.
# Prints the package and installed sizes. CI runs this; it fails when the installed tool does not
# work or the demo finds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet pack src/Escudo.Cli -c Release -o "$work/pkg" --nologo -v quiet >/dev/null
version=$(sed -nE 's|.*<Version>([^<]+)</Version>.*|\1|p' src/Escudo.Cli/Escudo.Cli.csproj)
# A private NuGet config: only the packed folder, so the install never reaches a registry.
cat >"$work/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /><add key="local" value="$work/pkg" /></packageSources></configuration>
XML
dotnet tool install escudo --version "$version" --tool-path "$work/tools" --configfile "$work/nuget.config" >/dev/null
"$work/tools/escudo" --version
demo=$("$work/tools/escudo" demo)
echo "$demo" | grep -E "^[0-9]+ result\(s\):" >/dev/null || { echo "install-check: the installed escudo demo printed no results" >&2; echo "$demo" >&2; exit 1; }
echo "$demo" | grep -E "^[0-9]+ risk event\(s\):" >/dev/null || { echo "install-check: the installed escudo demo printed no risk events" >&2; exit 1; }
rid_pkg=$(basename "$(ls -d "$work"/tools/.store/escudo/*/escudo.*-* | head -n 1)").$version.nupkg
echo "install-check: packages $(du -ch "$work"/pkg/*.nupkg | tail -n 1 | cut -f1) in all ($(ls "$work/pkg" | wc -l) files, e.g. $rid_pkg $(du -h "$work/pkg/$rid_pkg" | cut -f1)); installed tool $(du -sh "$work/tools" | cut -f1); demo ok"
