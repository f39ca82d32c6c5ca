#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# rawsend.py IFACE [options] [+ options...]: send hand-made Ethernet
# frames on IFACE through an AF_PACKET raw socket, for the vmq L2
# selftests. Each "+" starts another set of frames (sent in order).
#
#   --dst MAC		destination (default ff:ff:ff:ff:ff:ff)
#   --src MAC		source (default: IFACE's own address)
#   --vlan [TPID:]VID	add a tag (TPID default 0x8100); repeat for
#			stacked tags, outermost first
#   --type T		EtherType of the payload (default 0x88b5)
#   --len N		pad the frame to N bytes (default 60)
#   --trunc N[,N...]	cut the finished frame to its first N bytes
#			(a list: one frame for each length)
#   --garp IP		payload: gratuitous ARP request for IP (sender =
#			target = IP, sender MAC = --src), EtherType 0x0806
#   --hex HEX		send exactly these bytes instead of building a frame
#   --random N		send N frames of random bytes, 14..1514 long
#   --seed S		seed of --random (default 1)
#   --count N		send the frame N times (default 1)
#   --interval S	sleep S seconds between frames (default 0)
#
# Prints "sent N refused M" (refused: the kernel rejected the send, e.g.
# a runt on a device whose header is longer). Exits 1 when a frame was
# refused, unless its set has --may-refuse.
import argparse
import os
import random
import socket
import struct
import sys
import time


def mac_bytes(s):
	b = bytes(int(x, 16) for x in s.split(':'))
	if len(b) != 6:
		raise ValueError('bad MAC ' + s)
	return b


def build(a, ifmac):
	dst = mac_bytes(a.dst)
	src = mac_bytes(a.src) if a.src else ifmac
	hdr = dst + src
	for v in a.vlan:
		tpid, _, vid = v.rpartition(':')
		hdr += struct.pack('!HH', int(tpid, 0) if tpid else 0x8100,
				   int(vid, 0))
	if a.garp:
		ip = socket.inet_aton(a.garp)
		body = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1)
		body += src + ip + b'\0' * 6 + ip
		etype = 0x0806
	else:
		body = b'vmq-selftest'
		etype = int(a.type, 0)
	frame = hdr + struct.pack('!H', etype) + body
	if len(frame) < a.len:
		frame += bytes(a.len - len(frame))
	if a.trunc is None:
		return [frame]
	return [frame[:int(n)] for n in a.trunc.split(',')]


def parser():
	p = argparse.ArgumentParser()
	p.add_argument('--dst', default='ff:ff:ff:ff:ff:ff')
	p.add_argument('--src')
	p.add_argument('--vlan', action='append', default=[])
	p.add_argument('--type', default='0x88b5')
	p.add_argument('--len', type=int, default=60)
	p.add_argument('--trunc')
	p.add_argument('--garp')
	p.add_argument('--hex')
	p.add_argument('--random', type=int, default=0)
	p.add_argument('--seed', type=int, default=1)
	p.add_argument('--count', type=int, default=1)
	p.add_argument('--interval', type=float, default=0)
	p.add_argument('--may-refuse', action='store_true')
	return p


def frames(a, ifmac):
	if a.random:
		rnd = random.Random(a.seed)
		return [rnd.randbytes(rnd.randint(14, 1514))
			for _ in range(a.random)]
	if a.hex is not None:
		return [bytes.fromhex(a.hex)] * a.count
	return build(a, ifmac) * a.count


def main():
	if len(sys.argv) < 2 or sys.argv[1].startswith('-'):
		print(__doc__ or 'usage: rawsend.py IFACE [options] [+ options...]',
		      file=sys.stderr)
		return 2
	iface = sys.argv[1]
	sets = [[]]
	for w in sys.argv[2:]:
		if w == '+':
			sets.append([])
		else:
			sets[-1].append(w)
	p = parser()
	args = [p.parse_args(s) for s in sets]

	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
	s.bind((iface, 0))
	ifmac = s.getsockname()[4]

	sent = refused = 0
	err = None
	for a in args:
		for i, f in enumerate(frames(a, ifmac)):
			if i and a.interval:
				time.sleep(a.interval)
			try:
				s.send(f)
				sent += 1
			except OSError as e:
				refused += 1
				if not a.may_refuse:
					err = e
	print('sent %d refused %d' % (sent, refused))
	if err:
		print('rawsend: %s' % err, file=sys.stderr)
		return 1
	return 0


if __name__ == '__main__':
	sys.exit(main())
