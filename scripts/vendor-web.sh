#!/usr/bin/env bash
# Vendors the console's client libraries from npm into the binary: installs exactly what
# web/package-lock.json pins, then copies the files the pages load into
# src/Escudo.Server/Web/Assets/vendor (embedded resources, so pages work offline, no CDN).
# Run it after changing web/package.json; commit the lockfile and the copied files together.
# VendoredAssetsTests checks that the committed copies match the pinned versions.
set -euo pipefail
cd "$(dirname "$0")/.."
npm ci --prefix web --no-audit --no-fund
dest=src/Escudo.Server/Web/Assets/vendor
mkdir -p "$dest"
cp web/node_modules/uplot/dist/uPlot.iife.min.js "$dest/uplot.iife.min.js"
cp web/node_modules/uplot/dist/uPlot.min.css "$dest/uplot.min.css"
cp web/node_modules/uplot/LICENSE "$dest/uplot.LICENSE.txt"
echo "vendored into $dest:"
ls -l "$dest"
