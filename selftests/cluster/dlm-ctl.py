#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""dlm-ctl.py: a small stand-in for dlm_controld, for the cluster selftests.

Runs in every node (one daemon each) and does the user-space half of the
in-kernel DLM:

* configures the DLM through configfs at start: /sys/kernel/config/dlm/
  cluster/{cluster_name,protocol,recover_callbacks} and one comms/<id> per
  node (nodeid, local, addr as a raw struct sockaddr_storage), and holds
  /dev/dlm-monitor open like dlm_controld (the kernel stops every lockspace
  when it is closed, so a dead controller never leaves a running one);
* answers the lockspace uevents: "online" (dlm_new_lockspace) and "offline"
  (dlm_release_lockspace) of /sys/kernel/dlm/<ls>, by writing event_done
  once the other members took the change;
* tells node deaths by a heartbeat: every node sends a UDP datagram to every
  other one each --hb-interval seconds with its incarnation and the state
  of its lockspaces; a node silent for --hb-timeout seconds is dead. A dead
  node is never taken back with the same incarnation (there is no fencing:
  only a node that restarted may come back);
* makes every membership change of a lockspace with the protocol the kernel
  asks for (fs/dlm/member.c: "Userspace guarantees that dlm_ls_stop() has
  completed on all nodes before dlm_ls_start() is called on any of them"):
  the lowest live node is the leader, and acts only while a majority of
  the nodes is alive (quorum: a cut-off minority changes nothing); it
  wants each lockspace's members to be the live nodes whose heartbeat
  says "joining" or "member"; on any
  difference it writes control 0 on every member (RPC "stop", over TCP),
  then on every new member sets spaces/<ls>/nodes/* and writes control 1
  (RPC "start"). A node that sees a member die stops that lockspace
  itself at once, as dlm_controld does; without quorum nobody starts it. Before starting, a survivor removes the comms/<id> of the
  failed nodes: that is how the kernel tells a failure from a leave and
  calls recover_slot.

Usage:
  dlm-ctl.py --node N --nodes 1,2,3 [--cluster NAME] [options]  (daemon)
  dlm-ctl.py status        the daemon's view, one fact a line (also kept
                           in /run/dlm-ctl.status)
  dlm-ctl.py dead N        declare node N dead now (host-driven detection)
"""

import argparse
import json
import os
import select
import socket
import struct
import sys
import threading
import time
import zlib

CFG = "/sys/kernel/config/dlm/cluster"
SYS = "/sys/kernel/dlm"
CTL_SOCK = "/run/dlm-ctl.sock"
STATUS = "/run/dlm-ctl.status"


def log(msg):
    sys.stderr.write("%.3f %s\n" % (time.monotonic(), msg))
    sys.stderr.flush()


def kmsg(msg):
    try:
        with open("/dev/kmsg", "w") as f:
            f.write("dlm-ctl: %s\n" % msg)
    except OSError:
        pass


def write(path, data):
    if isinstance(data, str):
        data = data.encode()
    fd = os.open(path, os.O_WRONLY)
    try:
        n = os.write(fd, data)
        if n != len(data):
            raise OSError("short write to %s" % path)
    finally:
        os.close(fd)


def ls_global_id(name):
    # Any id works as long as every node computes the same one.
    return zlib.crc32(name.encode()) & 0xffffffff


def sockaddr_in(ip):
    # struct sockaddr_storage holding a sockaddr_in, port 0: the kernel
    # compares it with the peer address of a connection it accepts, which
    # it takes with port 0 (fs/dlm/lowcomms.c: accept_from_sock).
    raw = struct.pack("=H", socket.AF_INET) + struct.pack("!H", 0)
    raw += socket.inet_aton(ip)
    return raw + bytes(128 - len(raw))


class Daemon:
    def __init__(self, args):
        self.me = args.node
        self.nodes = sorted(args.nodes)
        self.addr = {n: args.addr_fmt % n for n in self.nodes}
        self.port = args.port
        self.interval = args.hb_interval
        self.timeout = args.hb_timeout
        self.cluster = args.cluster
        self.inc = "%d-%d" % (time.time_ns(), os.getpid())
        self.t0 = time.monotonic()
        self.mu = threading.RLock()
        self.cond = threading.Condition(self.mu)
        # Liveness: last heartbeat time, incarnation, dead incarnations.
        self.seen = {}
        self.incs = {}
        self.dead = {}
        # Our lockspaces: name -> {"state", "started", "members"}.
        self.ls = {}
        self.ver = 0
        # What the others' heartbeats (or RPC answers) said: n -> (ver, ls).
        self.peer_ls = {}
        # Leader: members it last started each lockspace with.
        self.applied = {}
        self.leader_was = None
        self.hb_sock = None

    # --- configfs ------------------------------------------------------

    def setup(self):
        if not os.path.isdir("/sys/kernel/config/dlm"):
            raise SystemExit("dlm-ctl: no /sys/kernel/config/dlm (modprobe dlm, mount configfs)")
        if os.path.isdir(CFG):
            raise SystemExit("dlm-ctl: %s exists: another controller runs" % CFG)
        # Before the kernel's comms start: they read these once.
        self.monitor = os.open("/dev/dlm-monitor", os.O_RDONLY)
        os.mkdir(CFG)
        write(CFG + "/cluster_name", self.cluster)
        write(CFG + "/protocol", "0")
        write(CFG + "/recover_callbacks", "1")
        for n in self.nodes:
            self.add_comm(n)
        log("node %d: cluster %s, nodes %s" % (self.me, self.cluster, self.nodes))

    def add_comm(self, n):
        d = "%s/comms/%d" % (CFG, n)
        if os.path.isdir(d):
            return
        os.mkdir(d)
        write(d + "/nodeid", str(n))
        if n == self.me:
            write(d + "/local", "1")
        write(d + "/addr", sockaddr_in(self.addr[n]))

    def del_comm(self, n):
        d = "%s/comms/%d" % (CFG, n)
        if n != self.me and os.path.isdir(d):
            os.rmdir(d)
            log("removed comms/%d" % n)

    def set_members(self, ls, members):
        d = "%s/spaces/%s" % (CFG, ls)
        os.makedirs(d + "/nodes", exist_ok=True)
        have = set(int(x) for x in os.listdir(d + "/nodes"))
        for n in have - members:
            os.rmdir("%s/nodes/%d" % (d, n))
        for n in sorted(members - have):
            os.mkdir("%s/nodes/%d" % (d, n))
            write("%s/nodes/%d/nodeid" % (d, n), str(n))
            write("%s/nodes/%d/weight" % (d, n), "1")

    def del_space(self, ls):
        d = "%s/spaces/%s" % (CFG, ls)
        if not os.path.isdir(d):
            return
        for n in os.listdir(d + "/nodes"):
            os.rmdir("%s/nodes/%s" % (d, n))
        os.rmdir(d)

    # --- liveness ------------------------------------------------------

    def alive(self, n):
        # A node is alive from its first heartbeat until reap() buries it.
        return n == self.me or n in self.seen

    def reap(self):
        now = time.monotonic()
        for n, t in list(self.seen.items()):
            if now - t >= self.timeout:
                self.declare_dead(n, "no heartbeat for %.1fs" % self.timeout)

    def live(self):
        return [n for n in self.nodes if self.alive(n)]

    def settled(self):
        # Heard from everyone, or waited long enough to know who is there.
        return (len(self.live()) == len(self.nodes) or
                time.monotonic() - self.t0 >= self.timeout)

    def leader(self):
        if not self.settled():
            return None
        return min(self.live())

    def declare_dead(self, n, why):
        with self.mu:
            if n == self.me or n in self.dead and self.seen.get(n) is None:
                return
            self.dead[n] = self.incs.get(n)
            self.seen.pop(n, None)
            self.peer_ls.pop(n, None)
            log("node %d dead (%s)" % (n, why))
            kmsg("node %d: node %d dead (%s)" % (self.me, n, why))
            # Like dlm_controld on a member leaving the cpg: stop at once,
            # leader or not, quorum or not. Only the leader starts again,
            # so a cut-off minority stays stopped (csv fences itself).
            for ls, st in self.ls.items():
                if st["started"] and n in st["members"]:
                    write("%s/%s/control" % (SYS, ls), "0")
                    st["started"] = False
                    log("stopped %s: member %d died" % (ls, n))
            self.cond.notify_all()

    def hb_payload(self):
        with self.mu:
            ls = {k: v["state"] for k, v in self.ls.items()}
            return json.dumps({"t": "hb", "n": self.me, "inc": self.inc,
                               "ver": self.ver, "ls": ls,
                               "dead": sorted(self.dead)}).encode()

    def send_hb(self):
        data = self.hb_payload()
        for n in self.nodes:
            if n != self.me:
                try:
                    self.hb_sock.sendto(data, (self.addr[n], self.port))
                except OSError:
                    pass

    def hb_sender(self):
        while True:
            self.send_hb()
            time.sleep(self.interval)

    def hb_receiver(self):
        while True:
            data, _ = self.hb_sock.recvfrom(65536)
            try:
                m = json.loads(data)
                n = int(m["n"])
            except (ValueError, KeyError, TypeError):
                continue
            if n not in self.addr or n == self.me:
                continue
            with self.mu:
                if n in self.dead:
                    if self.dead[n] == m["inc"]:
                        continue    # no fencing: never back as it was
                    log("node %d restarted" % n)
                    del self.dead[n]
                    self.add_comm(n)
                was = n in self.seen
                self.incs[n] = m["inc"]
                self.seen[n] = time.monotonic()
                old = self.peer_ls.get(n)
                if old is None or m["ver"] >= old[0]:
                    self.peer_ls[n] = (m["ver"], m["ls"])
                if self.me in m.get("dead", []):
                    log("node %d says we are dead" % n)
                    kmsg("node %d: excluded by node %d" % (self.me, n))
                if not was:
                    log("node %d alive" % n)
                self.cond.notify_all()

    def monitor_loop(self):
        last = None
        while True:
            time.sleep(self.interval / 2)
            with self.mu:
                self.reap()
                self.cond.notify_all()
                text = self.status_text()
            # The same as "dlm-ctl.py status", without a python start.
            if text != last:
                with open(STATUS + ".tmp", "w") as f:
                    f.write(text)
                os.rename(STATUS + ".tmp", STATUS)
                last = text

    # --- uevents ------------------------------------------------------

    def uevents(self):
        s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)  # KOBJECT_UEVENT
        s.bind((0, 1))
        self.uevent_ready.set()
        while True:
            data = s.recv(65536)
            head, _, rest = data.partition(b"\0")
            env = dict(kv.split("=", 1) for kv in
                       rest.decode(errors="replace").split("\0") if "=" in kv)
            if env.get("SUBSYSTEM") != "dlm":
                continue
            action = env.get("ACTION")
            ls = env.get("LOCKSPACE") or env.get("DEVPATH", "").rsplit("/", 1)[-1]
            if action == "online":
                self.ls_online(ls)
            elif action == "offline":
                self.ls_offline(ls)

    def ls_online(self, ls):
        log("uevent online %s" % ls)
        with self.mu:
            write("%s/%s/id" % (SYS, ls), str(ls_global_id(ls)))
            os.makedirs("%s/spaces/%s/nodes" % (CFG, ls), exist_ok=True)
            self.ls[ls] = {"state": "joining", "started": False, "members": set()}
            self.ver += 1
            self.cond.notify_all()
        self.send_hb()

    def ls_offline(self, ls):
        log("uevent offline %s" % ls)
        with self.mu:
            st = self.ls.get(ls)
            if st is None or not st["started"]:
                # A join that failed before it started: nobody else knows.
                self.finish_leave(ls)
                return
            st["state"] = "leaving"
            self.ver += 1
            self.cond.notify_all()
        self.send_hb()

    def finish_leave(self, ls):
        with self.mu:
            self.ls.pop(ls, None)
            self.ver += 1
            try:
                write("%s/%s/event_done" % (SYS, ls), "0")
            except OSError as e:
                log("event_done %s: %s" % (ls, e))
            self.del_space(ls)
            log("left %s" % ls)

    # --- RPC: the leader's commands -----------------------------------

    def handle(self, req):
        op = req.get("op")
        if op == "status":
            return {"ok": True, "text": self.status_text()}
        if op == "dead":
            self.declare_dead(int(req["n"]), "told by %s" % req.get("by", "the host"))
            return {"ok": True}
        with self.mu:
            self.reap()
            frm = req.get("from")
            if frm != self.me and (frm != self.leader() or not self.alive(frm)):
                return {"ok": False, "err": "node %s is not our leader (%s)" %
                        (frm, self.leader())}
            ls = req["ls"]
            st = self.ls.get(ls)
            if op == "stop":
                if st is not None and st["started"]:
                    write("%s/%s/control" % (SYS, ls), "0")
                    st["started"] = False
                    log("stopped %s" % ls)
                return {"ok": True, "ver": self.ver, "ls": self.ls_states()}
            if op == "start":
                if st is None or st["state"] == "leaving":
                    return {"ok": False, "err": "not joining %s" % ls}
                members = set(req["members"])
                for n in (set(req["gone"]) | set(self.dead)) - members:
                    self.del_comm(n)
                for n in self.nodes:
                    if n in members or self.alive(n) and n not in self.dead:
                        self.add_comm(n)
                self.set_members(ls, members)
                write("%s/%s/control" % (SYS, ls), "1")
                st["started"] = True
                st["members"] = members
                log("started %s with %s (gone %s)" % (ls, sorted(members), req["gone"]))
                if st["state"] == "joining":
                    write("%s/%s/event_done" % (SYS, ls), "0")
                    st["state"] = "member"
                    self.ver += 1
                return {"ok": True, "ver": self.ver, "ls": self.ls_states()}
            if op == "left":
                if st is not None and st["state"] == "leaving":
                    self.finish_leave(ls)
                return {"ok": True, "ver": self.ver, "ls": self.ls_states()}
        return {"ok": False, "err": "bad op %s" % op}

    def ls_states(self):
        return {k: v["state"] for k, v in self.ls.items()}

    def serve_conn(self, c):
        try:
            c.settimeout(30)
            f = c.makefile("rwb")
            line = f.readline()
            if not line:
                return
            try:
                rep = self.handle(json.loads(line))
            except (OSError, KeyError, ValueError) as e:
                rep = {"ok": False, "err": "%s: %s" % (type(e).__name__, e)}
            f.write(json.dumps(rep).encode() + b"\n")
            f.flush()
        except OSError:
            pass
        finally:
            c.close()

    def server(self, s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=self.serve_conn, args=(c,), daemon=True).start()

    def rpc(self, n, req, timeout=10):
        req = dict(req, **{"from": self.me})
        try:
            if n == self.me:
                rep = self.handle(req)
            else:
                with socket.create_connection((self.addr[n], self.port + 1),
                                              timeout=timeout) as c:
                    c.settimeout(timeout)
                    f = c.makefile("rwb")
                    f.write(json.dumps(req).encode() + b"\n")
                    f.flush()
                    rep = json.loads(f.readline() or b"{}")
        except (OSError, ValueError) as e:
            rep = {"ok": False, "err": "%s: %s" % (type(e).__name__, e)}
        if "ver" in rep and n != self.me:
            with self.mu:
                old = self.peer_ls.get(n)
                if old is None or rep["ver"] >= old[0]:
                    self.peer_ls[n] = (rep["ver"], rep["ls"])
        if not rep.get("ok"):
            log("rpc %s to node %d failed: %s" % (req["op"], n, rep.get("err")))
        return rep.get("ok", False)

    # --- the leader ---------------------------------------------------

    def states(self, n):
        if n == self.me:
            return self.ls_states()
        return self.peer_ls.get(n, (0, {}))[1]

    def leader_loop(self):
        while True:
            with self.mu:
                self.cond.wait(0.3)
                self.reap()
                lead = self.leader()
                if lead != self.leader_was:
                    log("leader is node %s" % lead)
                    self.leader_was = lead
                    # Start afresh: the next pass restarts every lockspace.
                    self.applied = {}
                live = self.live()
                # Without a majority we may be the cut-off side: change
                # nothing, as corosync's quorum keeps dlm_controld still.
                if lead != self.me or 2 * len(live) <= len(self.nodes):
                    continue
                names = set(self.applied)
                for n in live:
                    names |= set(self.states(n))
                work = []
                for ls in sorted(names):
                    want = {n for n in live if self.states(n).get(ls) in ("joining", "member")}
                    joining = {n for n in want if self.states(n).get(ls) == "joining"}
                    leaving = {n for n in live if self.states(n).get(ls) == "leaving"}
                    have = self.applied.get(ls, set())
                    if want != have or joining:
                        work.append((ls, have, want, leaving))
                    elif leaving:
                        work.append((ls, None, want, leaving))
            for ls, have, want, leaving in work:
                if have is not None and not self.change(ls, have, want, leaving):
                    time.sleep(0.3)
                    continue
                for n in leaving:
                    self.rpc(n, {"op": "left", "ls": ls})

    def change(self, ls, have, want, leaving):
        with self.mu:
            live = set(self.live())
            # Failed members lose their comms/<id> before the start, so
            # the kernel calls recover_slot for them. A new leader does not
            # know the old members: every node it saw die counts.
            gone = sorted(((have - want) - leaving) | (set(self.dead) - want))
            stop = sorted(((have | want) & live) - leaving)
        log("change %s: %s -> %s (gone %s, leaving %s)" %
            (ls, sorted(have), sorted(want), gone, sorted(leaving)))
        for n in stop:
            if not self.rpc(n, {"op": "stop", "ls": ls}):
                return False
        for n in sorted(want):
            if not self.rpc(n, {"op": "start", "ls": ls, "members": sorted(want),
                                "gone": gone}):
                return False
        with self.mu:
            if want:
                self.applied[ls] = want
            else:
                self.applied.pop(ls, None)
        return True

    # --- local control ------------------------------------------------

    def status_text(self):
        with self.mu:
            out = ["node %d" % self.me,
                   "leader %s" % self.leader(),
                   "live %s" % ",".join(map(str, self.live())),
                   "dead %s" % ",".join(map(str, sorted(self.dead)))]
            for ls, st in sorted(self.ls.items()):
                out.append("ls %s %s %s %s" % (
                    ls, st["state"], ",".join(map(str, sorted(st["members"]))),
                    "started" if st["started"] else "stopped"))
            return "\n".join(out) + "\n"

    def control(self, s):
        while True:
            c, _ = s.accept()
            threading.Thread(target=self.serve_conn, args=(c,), daemon=True).start()

    def run(self):
        self.uevent_ready = threading.Event()
        threading.Thread(target=self.uevents, daemon=True).start()
        self.uevent_ready.wait()
        self.setup()
        self.hb_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.hb_sock.bind(("0.0.0.0", self.port))
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("0.0.0.0", self.port + 1))
        srv.listen(16)
        if os.path.exists(CTL_SOCK):
            os.unlink(CTL_SOCK)
        ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        ctl.bind(CTL_SOCK)
        ctl.listen(4)
        for fn, a in ((self.hb_sender, ()), (self.hb_receiver, ()),
                      (self.monitor_loop, ()), (self.server, (srv,)),
                      (self.control, (ctl,))):
            threading.Thread(target=fn, args=a, daemon=True).start()
        log("running")
        self.leader_loop()


def client(req):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(CTL_SOCK)
    except OSError as e:
        raise SystemExit("dlm-ctl: no daemon (%s)" % e)
    f = s.makefile("rwb")
    f.write(json.dumps(req).encode() + b"\n")
    f.flush()
    rep = json.loads(f.readline() or b"{}")
    if "text" in rep:
        sys.stdout.write(rep["text"])
    if not rep.get("ok"):
        raise SystemExit("dlm-ctl: %s" % rep.get("err", "failed"))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "status":
        return client({"op": "status"})
    if len(sys.argv) == 3 and sys.argv[1] == "dead":
        return client({"op": "dead", "n": int(sys.argv[2])})
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--node", type=int, required=True, help="our node id")
    p.add_argument("--nodes", required=True,
                   type=lambda s: [int(x) for x in s.split(",")],
                   help="every node id, comma separated")
    p.add_argument("--cluster", default="vhdsuite", help="cluster name")
    p.add_argument("--addr-fmt", default="10.77.0.%d",
                   help="address of node N (printf format)")
    p.add_argument("--port", type=int, default=21100,
                   help="UDP heartbeat port; TCP port + 1 for the RPCs")
    p.add_argument("--hb-interval", type=float, default=0.2)
    p.add_argument("--hb-timeout", type=float, default=2.5)
    args = p.parse_args()
    if args.node not in args.nodes:
        p.error("--node must be one of --nodes")
    Daemon(args).run()


if __name__ == "__main__":
    main()
