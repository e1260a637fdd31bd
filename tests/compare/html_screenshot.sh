#!/usr/bin/env bash
# The HTML page of `expt compare` opens in headless Chromium and shows the learning curves: the
# screenshot is not blank, and both groups' line colours are on it. Skipped (77) without Chromium.
set -euo pipefail
expt=$1 grid=$2
chromium=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$chromium" ]] || { echo "SKIP: chromium is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$expt" sweep "$grid" results_dir="$work/r" --quiet >/dev/null
"$expt" compare "$work/r" -o "$work/page.html" 2>/dev/null
timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --user-data-dir="$work/profile" \
  --screenshot="$work/shot.png" --window-size=1200,1400 "file://$work/page.html" >/dev/null 2>&1
[[ -s "$work/shot.png" ]] || { echo "FAIL: no screenshot"; exit 1; }
[[ -n "${EXPT_KEEP_SCREENSHOT:-}" ]] && cp "$work/shot.png" "$EXPT_KEEP_SCREENSHOT"

python3 - "$work/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, color = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + length
assert depth == 8 and color in (2, 6), f"unexpected PNG format depth={depth} color={color}"
bpp = 3 if color == 2 else 4
raw, stride, prev, pixels = zlib.decompress(idat), width * bpp, bytearray(width * bpp), []
for y in range(height):  # undo the PNG scanline filters
    f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b, c = prev[i], prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    pixels.append(line); prev = line
colours = {}
for line in pixels:
    for x in range(0, stride, bpp):
        key = tuple(line[x:x + 3]); colours[key] = colours.get(key, 0) + 1
assert len(colours) > 50, f"the screenshot has only {len(colours)} colours"
def near(rgb):
    return sum(n for k, n in colours.items() if sum(abs(k[i] - rgb[i]) for i in range(3)) <= 12)
blue, orange = near((0x4e, 0x79, 0xa7)), near((0xf2, 0x8e, 0x2b))  # the first two groups' lines
assert blue > 300 and orange > 300, f"curve colours missing: blue {blue} px, orange {orange} px"
print(f"{width}x{height} screenshot, {len(colours)} colours, curve pixels: blue {blue}, orange {orange}")
PY
