#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""reclaim.py RAMFILE MIB CMD...: run CMD (which starts an inflate or a
deflate), then poll RAMFILE's allocated size every 10 ms until it has
dropped by MIB MiB (inflate, MIB > 0) or until CMD's own wait ends
(deflate, MIB = 0); print "SECONDS DROP-MIB". The reclaim is measured
where it matters: on the host, in the file that backs the guest's RAM.

qmp.py SOCKET BYTES is the CMD for virtio-balloon (bench/host/qmp.py)."""
import os
import subprocess
import sys
import time


def alloc_mib(path):
    return os.stat(path).st_blocks * 512 / 1048576


def main():
    path, mib, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    a0 = alloc_mib(path)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    while True:
        drop = a0 - alloc_mib(path)
        if mib > 0 and drop >= mib:
            break
        if mib == 0 and p.poll() is not None:
            break
        if time.monotonic() - t0 > 300:
            print("timeout %.1f" % drop)
            p.kill()
            return 1
        time.sleep(0.01)
    t = time.monotonic() - t0
    p.wait()
    print("%.3f %.0f" % (t, a0 - alloc_mib(path)))
    return 0


sys.exit(main())
