#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""qmp.py SOCKET GUEST-BYTES: QEMU's virtio-balloon: ask QMP "balloon" for
a guest of GUEST-BYTES and wait until query-balloon's "actual" is there."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "balloon"))
from qmp_helper import Qmp  # noqa: E402


def main():
    q = Qmp(sys.argv[1])
    want = int(sys.argv[2])
    q.cmd("balloon", value=want)
    end = time.monotonic() + 280
    while time.monotonic() < end:
        if q.cmd("query-balloon")["actual"] == want:
            return 0
        time.sleep(0.01)
    return 1


sys.exit(main())
