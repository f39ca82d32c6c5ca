#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Host side of bench/balloon: drives QEMU's virtio-balloon over QMP.

Started by bench/run.sh as "qmp_helper.py RESULTS-DIR QMP-SOCKET" (see
bench/balloon/bench.conf). RESULTS-DIR is the 9p share the guest mounts at
/run/results; the guest and this helper talk through files in it:

  balloon-host.ready  written by us once QMP answers: "BASE-BYTES" (the
                      guest's RAM as QEMU sees it, query-memory-size-summary)
  balloon-req         written by the guest (overwritten, no fork needed):
                      "SEQ BALLOON-BYTES", the balloon size it wants; a
                      new SEQ is a new request
  balloon-rsp         our answer (write, then rename), once query-balloon's
                      "actual" equals BASE - BALLOON-BYTES or after the
                      timeout: "SEQ ok|timeout|error SECONDS ACTUAL-BYTES"

SECONDS runs from sending the QMP "balloon" command to the first
query-balloon (polled every POLL seconds) that shows the target reached:
the guest driver updates "actual" after each batch of 256 pfns.
"""
import json
import os
import socket
import sys
import time

POLL = 0.01
TIMEOUT = 150.0


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(path)
        self.buf = b""
        self._read()                    # greeting
        self.cmd("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("QMP closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        while True:
            r = self._read()
            if "return" in r:
                return r["return"]
            if "error" in r:
                raise RuntimeError("%s: %s" % (name, r["error"].get("desc")))
            # events (BALLOON_CHANGE, ...) are skipped

    def close(self):
        self.sock.close()


def put(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text + "\n")
    os.rename(tmp, path)


def log(*a):
    t = time.time()
    print(time.strftime("%T", time.localtime(t)) + ".%03d" % (t * 1000 % 1000),
          *a, flush=True)


def serve(res, qmp_path):
    req_path = os.path.join(res, "balloon-req")
    rsp_path = os.path.join(res, "balloon-rsp")
    # QEMU starts after the build and the initramfs: wait for its socket.
    deadline = time.time() + 3600
    while True:
        try:
            q = Qmp(qmp_path)
            break
        except OSError:
            if time.time() > deadline:
                log("no QMP at", qmp_path)
                return 1
            time.sleep(0.2)
    base = q.cmd("query-memory-size-summary")["base-memory"]
    q.close()
    put(os.path.join(res, "balloon-host.ready"), str(base))
    log("QMP up, base memory", base)
    last = None
    while time.time() < deadline:
        try:
            with open(req_path) as f:
                text = f.read()
        except OSError:
            text = ""
        words = text.split()
        # a complete line with a new SEQ (the guest may be mid-write)
        if not text.endswith("\n") or len(words) != 2 or words[0] == last:
            time.sleep(POLL)
            continue
        seq, want = words[0], int(words[1])
        last = seq
        value = base - want
        status, secs, actual = "error", 0.0, -1
        log("request", seq, "seen")
        try:
            q = Qmp(qmp_path)
            log("request", seq, "connected")
            t0 = time.monotonic()
            q.cmd("balloon", value=value)
            while True:
                actual = q.cmd("query-balloon")["actual"]
                secs = time.monotonic() - t0
                if actual == value:
                    status = "ok"
                    break
                if secs > TIMEOUT:
                    status = "timeout"
                    break
                time.sleep(POLL)
            q.close()
        except (OSError, RuntimeError, ValueError) as e:
            log("request", seq, "failed:", e)
        log("request", seq, "balloon", want, "->", status, "%.3f s" % secs,
            "actual", actual)
        put(rsp_path, "%s %s %.6f %d" % (seq, status, secs, actual))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: qmp_helper.py RESULTS-DIR QMP-SOCKET")
    sys.exit(serve(sys.argv[1], sys.argv[2]))
