#!/usr/bin/env bash
# Render the documentation figures from the default dataset (the real England panel, fixtures/england-la-panel.csv)
# with the default model into docs/:
#   docs/split.svg, docs/split-bootstrap.svg, docs/methods.svg, docs/report.html, and a PNG of each
#   (headless Chromium from Debian; installed here when missing).
# Usage: scripts/render-figures.sh            (from anywhere; writes into the repository's docs/)
# Every output is byte-reproducible: same code, same data, same seed → same SVG and HTML.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
out="$root/docs"
mkdir -p "$out"

echo "building" >&2
npm run build >&2

echo "writing SVG and HTML" >&2
cli() { node "$root/dist/bin/cli.js" "$@"; }
cli decompose --format svg --output "$out/split.svg"
cli decompose --bootstrap 1000 --seed 1 --quiet --format svg --output "$out/split-bootstrap.svg"
cli decompose --method all --format svg --output "$out/methods.svg"
# Relative output path, so the command recorded in the report is the same on every machine.
(cd "$root" && node dist/bin/cli.js report --bootstrap 1000 --seed 1 --quiet --output docs/report.html)

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (Debian package)" >&2
  apt-get update
  apt-get install -y chromium
fi

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT

# screenshot FILE PNG WIDTH HEIGHT SCALE
screenshot() {
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --force-device-scale-factor="$5" --window-size="$3,$4" --screenshot="$2" "file://$1" 2>/dev/null
}

for name in split split-bootstrap methods; do
  svg="$out/$name.svg"
  width=$(grep -o -m1 'width="[0-9]*"' "$svg" | grep -o '[0-9]*')
  height=$(grep -o -m1 'height="[0-9]*"' "$svg" | grep -o '[0-9]*')
  echo "rendering $name.png (${width}×${height} at 2×)" >&2
  screenshot "$svg" "$out/$name.png" "$width" "$height" 2
done

echo "rendering report.png" >&2
screenshot "$out/report.html" "$out/report.png" 1000 6400 1
# Trim the empty page below the report when ImageMagick is there (Debian's imagemagick package).
if convert -version 2>/dev/null | grep -q ImageMagick; then
  convert "$out/report.png" -trim +repage -bordercolor '#F4F4F2' -border 24 "$out/report.png"
fi

ls -l "$out"
