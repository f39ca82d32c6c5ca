#!/usr/bin/python3 -S
# SPDX-License-Identifier: GPL-2.0
"""csv_peer.py: a hostile peer of csv.ko's metadata server.

  csv_peer.py HOST PORT UUID NODEID OP [DISK [BYTES]] [--magic M] [--short]

Sends one request frame (struct csv_msg of csv/csv.h, 192 bytes, little
endian) and prints the status the server answers (a positive errno, 0 for
success), or "closed" when it closes without an answer.
"""
import socket
import struct
import sys
import uuid as uuidlib

OPS = {"join": 1, "leave": 2, "create": 3, "delete": 4, "resize": 5,
       "rename": 6, "redirect": 7, "io": 8, "bogus": 99}


def frame(uuid, nodeid, op, disk=b"", nbytes=0, magic=0x4d565343):
    head = struct.pack("<IHHIIQQQIHH16s16s", magic, 1, op, nodeid, 0, 0,
                       nbytes, 0, 0, 7405, 4, b"\x0a\x4d\x00\x63",
                       uuidlib.UUID(uuid).bytes)
    body = disk.ljust(48, b"\0") + b"\0" * 48 + b"\0" * 16
    return head + body


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "1")
                for a in sys.argv[1:] if a.startswith("--"))
    host, port, uuid, nodeid, op = args[:5]
    disk = args[5].encode() if len(args) > 5 else b""
    nbytes = int(args[6]) if len(args) > 6 else 0
    f = frame(uuid, int(nodeid), OPS[op], disk, nbytes,
              int(opts.get("magic", "0x4d565343"), 0))
    assert len(f) == 192
    if "short" in opts:
        f = f[:50]
    s = socket.create_connection((host, int(port)), timeout=15)
    s.sendall(f)
    if "short" in opts:
        s.shutdown(socket.SHUT_WR)
    got = b""
    while len(got) < 192:
        b = s.recv(192 - len(got))
        if not b:
            break
        got += b
    if len(got) < 192:
        print("closed")
        return
    print(struct.unpack_from("<I", got, 40)[0])


main()
