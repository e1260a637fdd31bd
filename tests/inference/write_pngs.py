#!/usr/bin/env python3
"""Writes the first COUNT images of an IDX image file (optionally gzipped) as 8-bit gray PNGs
named <index>-<label>.png into OUT_DIR, with the standard library only (zlib), so expt's PNG
path can be compared with its IDX path on the same pixels.

Usage: write_pngs.py IMAGES_IDX LABELS_IDX COUNT OUT_DIR
"""
import gzip
import pathlib
import struct
import sys
import zlib


def read_idx(path):
    data = pathlib.Path(path).read_bytes()
    if path.endswith('.gz'):
        data = gzip.decompress(data)
    dims = data[3]
    shape = struct.unpack('>' + 'I' * dims, data[4:4 + 4 * dims])
    return shape, data[4 + 4 * dims:]


def png(width, height, pixels):
    def chunk(kind, body):
        return struct.pack('>I', len(body)) + kind + body + struct.pack('>I', zlib.crc32(kind + body))
    rows = b''.join(b'\0' + pixels[y * width:(y + 1) * width] for y in range(height))
    header = struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0)  # 8-bit gray
    return b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', header) + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b'')


def main():
    images, labels, count, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), pathlib.Path(sys.argv[4])
    (n, height, width), pixels = read_idx(images)
    _, label_bytes = read_idx(labels)
    out.mkdir(parents=True, exist_ok=True)
    size = height * width
    for i in range(min(count, n)):
        (out / f'{i:05d}-{label_bytes[i]}.png').write_bytes(png(width, height, pixels[i * size:(i + 1) * size]))


main()
