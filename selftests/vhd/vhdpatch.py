#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Corrupt one field of a VHD image for the malformed-image tests.

vhdpatch.py FILE footer|dynhdr OFFSET SIZE VALUE [nofix]
    Store VALUE (int, big-endian, SIZE bytes; or "str:TEXT") at OFFSET of the
    footer (both copies of a sparse image) or of the dynamic header, then
    recompute the structure's checksum unless "nofix" is given, so that only
    the field itself is wrong.
vhdpatch.py FILE selfparent
    Make a differencing image name itself as parent (parent UUID = its own
    unique id), for chain-loop tests.
vhdpatch.py FILE bat INDEX [VALUE]
    Set BAT entry INDEX to VALUE (a sector number), or print it.
"""
import struct
import sys


def csum(buf, off):
    b = bytearray(buf)
    b[off:off + 4] = b'\0\0\0\0'
    return (~sum(b)) & 0xffffffff


def put(buf, off, size, value):
    if value.startswith('str:'):
        data = value[4:].encode()
        buf[off:off + len(data)] = data
    else:
        buf[off:off + size] = int(value, 0).to_bytes(size, 'big')


def main():
    path, what = sys.argv[1], sys.argv[2]
    with open(path, 'r+b') as f:
        f.seek(0, 2)
        end = f.tell()
        f.seek(end - 512)
        footer = bytearray(f.read(512))
        sparse = struct.unpack('>I', footer[60:64])[0] in (3, 4)
        if what == 'selfparent':
            pos = struct.unpack('>Q', footer[16:24])[0]
            f.seek(pos)
            hdr = bytearray(f.read(1024))
            hdr[40:56] = footer[68:84]
            hdr[36:40] = struct.pack('>I', csum(hdr, 36))
            f.seek(pos)
            f.write(hdr)
            return
        if what == 'bat':
            f.seek(struct.unpack('>Q', footer[16:24])[0])
            hdr = f.read(1024)
            bat = struct.unpack('>Q', hdr[16:24])[0]
            f.seek(bat + 4 * int(sys.argv[3], 0))
            if len(sys.argv) < 5:
                print(struct.unpack('>I', f.read(4))[0])
            else:
                f.write(struct.pack('>I', int(sys.argv[4], 0)))
            return
        off, size, value = int(sys.argv[3], 0), int(sys.argv[4], 0), sys.argv[5]
        fix = len(sys.argv) < 7 or sys.argv[6] != 'nofix'
        if what == 'footer':
            put(footer, off, size, value)
            if fix:
                footer[64:68] = struct.pack('>I', csum(footer, 64))
            for pos in ([0, end - 512] if sparse else [end - 512]):
                f.seek(pos)
                f.write(footer)
        elif what == 'dynhdr':
            pos = struct.unpack('>Q', footer[16:24])[0]
            f.seek(pos)
            hdr = bytearray(f.read(1024))
            put(hdr, off, size, value)
            if fix:
                hdr[36:40] = struct.pack('>I', csum(hdr, 36))
            f.seek(pos)
            f.write(hdr)
        else:
            sys.exit('unknown structure ' + what)


if __name__ == '__main__':
    main()
