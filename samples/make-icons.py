#!/usr/bin/env python3
"""Writes the sample's launcher icons: plain PNGs, one per density, no dependencies."""
import os, struct, sys, zlib

def png(size, rgb):
    row = b"\x00" + bytes(rgb) * size
    raw = row * size
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")

res = sys.argv[1]
for folder, size in (("mipmap-mdpi", 48), ("mipmap-xxhdpi", 144)):
    with open(os.path.join(res, folder, "ic_launcher.png"), "wb") as f:
        f.write(png(size, (0x1e, 0x88, 0xe5)))
