#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# frames.py: send and count raw Ethernet frames on an interface through
# AF_PACKET (no scapy), for the vmq policy and queue selftests.
#
#   frames.py send IFACE [--src MAC|rand] [--dst MAC[,MAC...]] [--vlan VID]
#             [--type ETHERTYPE] [--size BYTES] (--count N | --time SECS)
#             [--pps N]
#	Sends N frames, or for SECS seconds, as fast as it can (or at N frames
#	a second with --pps, never more: a stall is not made up in a burst). --src defaults to IFACE's address; "rand" gives
#	every frame a new locally administered unicast source. Several --dst
#	addresses are used in turn. --size is the frame length without FCS
#	(at least 60). Prints "sent=N secs=S pps=R".
#
#   frames.py count IFACE --time SECS [--src MAC] [--dst MAC] [--type T]
#             [--vlan VID] [--ipproto P] [--icmp TYPE] [--bcast] [--mcast]
#             [--window START END] [--bucket-ms MS] [--buckets] [--flows]
#             [--ready FILE] [--expect N] [--idle S]
#	Counts the frames IFACE receives (not the ones it sends) that match
#	every filter given, for SECS seconds (or until --expect N matched, or
#	--idle S seconds passed without a match after the first one).
#	Prints "count=N bytes=B first=T0 last=T1" (kernel receive timestamps)
#	and, with --window, "window=N window_secs=S window_pps=R" over the
#	frames received between START and END seconds after the first match.
#	With --bucket-ms MS, also "buckets=N median_pps=R median_bps=B": the
#	median frame and bit rates over the whole MS-long slices between the
#	first and the last match (robust to a sender's scheduling gaps).
#	--flows first prints one line per flow of matching frames, "flow
#	src=S dst=D type=0xTTTT proto=P icmp=T n=N" (P and T "-" if none).
#	--ready FILE is created once the socket is listening. SIGTERM or
#	SIGINT ends the count early (the results are still printed).
import argparse
import os
import random
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_AUXDATA = 8
PACKET_OUTGOING = 4
SO_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33
TP_STATUS_VLAN_VALID = 1 << 4


def mac_bytes(s):
    b = bytes(int(x, 16) for x in s.split(':'))
    if len(b) != 6:
        raise ValueError('bad MAC address ' + s)
    return b


def mac_str(b):
    return ':'.join('%02x' % x for x in b)


def iface_mac(iface):
    with open('/sys/class/net/%s/address' % iface) as f:
        return mac_bytes(f.read().strip())


def do_send(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((a.iface, 0))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    dsts = [mac_bytes(d) for d in a.dst.split(',')]
    rand_src = a.src == 'rand'
    src = b'' if rand_src else (mac_bytes(a.src) if a.src else
                                iface_mac(a.iface))
    tag = b''
    if a.vlan is not None:
        tag = struct.pack('!HH', 0x8100, a.vlan & 0xfff)
    etype = struct.pack('!H', int(a.type, 0))
    hdr_len = 12 + len(tag) + 2
    pad = max(a.size, 60) - hdr_len - 8
    if pad < 0:
        pad = 0
    body = os.urandom(pad) if a.random_payload else bytes(pad)
    # Precompute the frames (one per destination) when the source is fixed.
    fixed = [d + src + tag + etype for d in dsts]
    base = random.getrandbits(40)
    nd = len(dsts)
    sent = 0
    errors = 0
    t0 = time.monotonic()
    tp = t0
    end = t0 + a.time if a.time else None
    limit = a.count if a.count else None
    while True:
        if limit is not None and sent >= limit:
            break
        now = time.monotonic()
        if end is not None and now >= end:
            break
        burst = 64
        if a.pps:
            due = int((now - tp) * a.pps) + 1 - sent
            if due <= 0:
                time.sleep(min(0.002, 1.0 / a.pps))
                continue
            # after a stall (a busy host), do not catch up in a burst
            catch = max(1, int(a.pps / 50))
            if due > catch:
                tp += (due - catch) / a.pps
                due = catch
            burst = min(burst, due)
        if limit is not None:
            burst = min(burst, limit - sent)
        for _ in range(burst):
            seq = struct.pack('!Q', sent)
            if rand_src:
                m = (base + sent) & 0xffffffffff
                sa = b'\x02' + m.to_bytes(5, 'big')
                frame = dsts[sent % nd] + sa + tag + etype + seq + body
            else:
                frame = fixed[sent % nd] + seq + body
            try:
                s.send(frame)
            except OSError:
                errors += 1
                time.sleep(0.0005)
                continue
            sent += 1
    secs = time.monotonic() - t0
    print('sent=%d secs=%.3f pps=%.1f errors=%d' %
          (sent, secs, sent / secs if secs > 0 else 0, errors))
    sys.stdout.flush()
    return 0


def frame_matches(a, data, vlan):
    if len(data) < 14:
        return False
    dst = data[0:6]
    if a.dst_b is not None and dst != a.dst_b:
        return False
    if a.src_b is not None and data[6:12] != a.src_b:
        return False
    if a.bcast and dst != b'\xff' * 6:
        return False
    if a.mcast and not (dst[0] & 1):
        return False
    off = 12
    etype = struct.unpack('!H', data[off:off + 2])[0]
    if etype in (0x8100, 0x88a8) and len(data) >= 18:
        if vlan is None:
            vlan = struct.unpack('!H', data[14:16])[0] & 0xfff
        off = 16
        etype = struct.unpack('!H', data[off:off + 2])[0]
    if a.vlan is not None and vlan != a.vlan:
        return False
    if a.type is not None and etype != int(a.type, 0):
        return False
    if a.ipproto is not None or a.icmp is not None:
        ip = off + 2
        if etype != 0x0800 or len(data) < ip + 20:
            return False
        if a.ipproto is not None and data[ip + 9] != a.ipproto:
            return False
        if a.icmp is not None:
            ihl = (data[ip] & 0xf) * 4
            if data[ip + 9] != 1 or len(data) <= ip + ihl:
                return False
            if data[ip + ihl] != a.icmp:
                return False
    return True


class Stop(Exception):
    pass


def on_signal(signum, frame):
    raise Stop()


def do_count(a):
    a.dst_b = mac_bytes(a.dst) if a.dst else None
    a.src_b = mac_bytes(a.src) if a.src else None
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 1 << 24)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 24)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    s.bind((a.iface, ETH_P_ALL))
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if a.ready:
        with open(a.ready, 'w') as f:
            f.write('ready\n')
    end = time.monotonic() + a.time
    stamps = []
    sizes = []
    flows = {}
    cspace = socket.CMSG_SPACE(16) + socket.CMSG_SPACE(20)

    def take(data, anc, addr):
        """Counts one received frame; True once --expect is reached."""
        if addr[2] == PACKET_OUTGOING:
            return False
        ts = None
        vlan = None
        for lvl, typ, d in anc:
            if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack('qq', d[:16])
                ts = sec + nsec / 1e9
            elif lvl == SOL_PACKET and typ == PACKET_AUXDATA:
                st, _, _, _, _, tci = struct.unpack('IIIHHH', d[:18])
                if st & TP_STATUS_VLAN_VALID:
                    vlan = tci & 0xfff
        if not frame_matches(a, data, vlan):
            return False
        if a.flows:
            k = flow_key(data)
            flows[k] = flows.get(k, 0) + 1
        stamps.append(ts if ts is not None else time.time())
        sizes.append(len(data))
        return bool(a.expect and len(stamps) >= a.expect)

    try:
        while True:
            left = end - time.monotonic()
            if left <= 0:
                break
            if a.idle and stamps:
                left = min(left, a.idle)
            s.settimeout(left)
            try:
                data, anc, _, addr = s.recvmsg(65536, cspace)
            except socket.timeout:
                break
            if take(data, anc, addr):
                break
    except Stop:
        # stopped: what already arrived still counts
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        s.setblocking(False)
        while True:
            try:
                data, anc, _, addr = s.recvmsg(65536, cspace)
            except (BlockingIOError, InterruptedError):
                break
            if take(data, anc, addr):
                break
    nbytes = sum(sizes)
    n = len(stamps)
    first = stamps[0] if n else 0.0
    last = stamps[-1] if n else 0.0
    out = 'count=%d bytes=%d first=%.6f last=%.6f span=%.3f' % (
        n, nbytes, first, last, last - first)
    if a.window:
        w0, w1 = a.window
        inw = sum(1 for t in stamps if w0 <= t - first < w1)
        secs = w1 - w0
        out += ' window=%d window_secs=%.3f window_pps=%.1f' % (
            inw, secs, inw / secs if secs > 0 else 0)
    if a.buckets and n:
        per = {}
        for t in stamps:
            k = int(t - first)
            per[k] = per.get(k, 0) + 1
        out += ' per_second=' + ','.join(str(per.get(i, 0))
                                         for i in range(max(per) + 1))
    if a.bucket_ms:
        bs = a.bucket_ms / 1000.0
        nb = int((last - first) / bs) if n else 0
        frames = [0] * nb
        octets = [0] * nb
        for t, ln in zip(stamps, sizes):
            k = int((t - first) / bs)
            if k < nb:
                frames[k] += 1
                octets[k] += ln
        out += ' buckets=%d median_pps=%.1f median_bps=%.0f' % (
            nb, median(frames) / bs, median(octets) * 8 / bs)
    for k in sorted(flows):
        print('flow src=%s dst=%s type=0x%04x proto=%s icmp=%s n=%d' %
              (k + (flows[k],)))
    print(out)
    sys.stdout.flush()
    return 0


def flow_key(data):
    """(src, dst, ethertype, IP protocol or -, ICMP type or -) of a frame."""
    etype = struct.unpack('!H', data[12:14])[0]
    off = 14
    if etype in (0x8100, 0x88a8) and len(data) >= 18:
        etype = struct.unpack('!H', data[16:18])[0]
        off = 18
    proto = icmp = '-'
    if etype == 0x0800 and len(data) >= off + 20:
        proto = str(data[off + 9])
        ihl = (data[off] & 0xf) * 4
        if proto == '1' and len(data) > off + ihl:
            icmp = str(data[off + ihl])
    return (mac_str(data[6:12]), mac_str(data[0:6]), etype, proto, icmp)


def median(v):
    if not v:
        return 0
    v = sorted(v)
    m = len(v) // 2
    return v[m] if len(v) % 2 else (v[m - 1] + v[m]) / 2.0


def main():
    p = argparse.ArgumentParser(description='raw frame sender and counter')
    sub = p.add_subparsers(dest='cmd', required=True)
    ps = sub.add_parser('send')
    ps.add_argument('iface')
    ps.add_argument('--src', default=None)
    ps.add_argument('--dst', default='ff:ff:ff:ff:ff:ff')
    ps.add_argument('--vlan', type=int, default=None)
    ps.add_argument('--type', default='0x88b5')
    ps.add_argument('--size', type=int, default=60)
    ps.add_argument('--count', type=int, default=0)
    ps.add_argument('--time', type=float, default=0)
    ps.add_argument('--pps', type=float, default=0)
    ps.add_argument('--random-payload', action='store_true')
    pc = sub.add_parser('count')
    pc.add_argument('iface')
    pc.add_argument('--time', type=float, required=True)
    pc.add_argument('--src', default=None)
    pc.add_argument('--dst', default=None)
    pc.add_argument('--type', default=None)
    pc.add_argument('--vlan', type=int, default=None)
    pc.add_argument('--ipproto', type=int, default=None)
    pc.add_argument('--icmp', type=int, default=None)
    pc.add_argument('--bcast', action='store_true')
    pc.add_argument('--mcast', action='store_true')
    pc.add_argument('--window', type=float, nargs=2, default=None)
    pc.add_argument('--buckets', action='store_true')
    pc.add_argument('--flows', action='store_true')
    pc.add_argument('--bucket-ms', type=float, default=0)
    pc.add_argument('--expect', type=int, default=0)
    pc.add_argument('--idle', type=float, default=0)
    pc.add_argument('--ready', default=None)
    a = p.parse_args()
    if a.cmd == 'send':
        if not a.count and not a.time:
            p.error('send needs --count or --time')
        return do_send(a)
    return do_count(a)


if __name__ == '__main__':
    sys.exit(main())
