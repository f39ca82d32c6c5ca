#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""reclaim.py RAMFILE MIB CMD...: run CMD (which starts an inflate or a
deflate and returns once the driver reports it done) while polling
RAMFILE's allocated size every 10 ms; print "SECONDS DROP-MIB".

SECONDS ends when CMD has returned and, for an inflate (MIB > 0), the RAM
file has given back MIB MiB or has stopped shrinking (no change for 1 s:
the figure is then the time of its last change, and DROP-MIB says how much
came back; pages the guest never touched cost the host nothing to give).
The reclaim is measured where it matters: on the host, in the file that
backs the guest's RAM."""
import os
import subprocess
import sys
import time


def alloc_mib(path):
    return os.stat(path).st_blocks * 512 / 1048576


def main():
    path, mib, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    a0 = last = alloc_mib(path)
    t0 = time.monotonic()
    changed = reached = done = None
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    while True:
        now = time.monotonic()
        a = alloc_mib(path)
        if a != last:
            last, changed = a, now
        if mib > 0 and reached is None and a0 - a >= mib:
            reached = now
        if done is None and p.poll() is not None:
            done = now
        if done is not None:
            if mib == 0:
                end = done
                break
            if reached is not None:
                end = max(done, reached)
                break
            if now - (changed or t0) > 1.0:
                end = max(done, changed or t0)
                break
        if now - t0 > 300:
            print("timeout %.1f" % (a0 - a))
            p.kill()
            return 1
        time.sleep(0.01)
    if p.returncode:
        print("failed %d" % p.returncode)
        return 1
    print("%.3f %.0f" % (end - t0, a0 - alloc_mib(path)))
    return 0


sys.exit(main())
