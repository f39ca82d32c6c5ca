# SPDX-License-Identifier: GPL-2.0
#
# csvctl, sourced by run.sh: format and inspect on sparse image files (and
# images csv_unit writes), usage errors and SIZE parsing, and the online
# commands against tests/csv_fake.so, an LD_PRELOAD stand-in for csv.ko's
# ioctls that keeps the disk table on the image with csv/lib.
CSVCTL=$tools/csvctl/csvctl
CSV_UNIT=$here/csv_unit
CSV_FAKE=$here/csv_fake.so

# csvfail RC ERRNO CMD...: CMD exits RC and its stderr names ERRNO.
csvfail() {
	local want=$1 e=$2 rc
	shift 2
	"$@" > /dev/null 2> err
	rc=$?
	[ $rc = "$want" ] || die "$*: exit $rc, expected $want: $(cat err)"
	[ "$e" = - ] || grep -q "($e)\$" err || die "$*: no $e in: $(cat err)"
}

# ival FILE KEY: the value of a "KEY: value" line
ival() { sed -n "s/^$2: //p" "$1"; }

t_csvctl_format() {
	local u1 u2 n
	truncate -s 256M lun.img
	"$CSVCTL" format --name vol1 lun.img > out || die "format: $(cat out)"
	grep -q '^volume vol1 uuid [0-9a-f-]\{36\} data_units 255$' out || die "format said: $(cat out)"
	"$CSVCTL" inspect lun.img > i1 || die "inspect failed"
	cat i1
	[ "$(ival i1 volume)" = vol1 ] || die "name"
	[ "$(ival i1 version)" = 1 ] && [ "$(ival i1 lun_bytes)" = $((256 << 20)) ] &&
		[ "$(ival i1 data_units)" = 255 ] && [ "$(ival i1 alloc_unit)" = 1048576 ] ||
		die "superblock fields"
	grep -q '^table A: valid, generation 1, epoch 0, writer 0$' i1 || die "table A"
	grep -q '^table B: invalid (disk table checksum mismatch)$' i1 || die "table B"
	grep -q '^current: A, generation 1, next_id 1$' i1 || die "current"
	grep -q '^disks: 0$' i1 && grep -q '^nodes: 0$' i1 || die "empty volume"
	u1=$(ival i1 uuid)
	# On disk: the magic at 0, copy B's room zero, the image still sparse.
	[ "$(head -c 8 lun.img | tr -d '\r\n')" = CSVVOL ] || die "magic"
	cmp -n 65536 <(tail -c +$((128 * 1024 + 1)) lun.img) /dev/zero || die "copy B not zero"
	[ "$(du -k lun.img | cut -f1)" -lt 1024 ] || die "image not sparse"
	# Not twice without --force; the volume stays as it was.
	csvfail 1 EEXIST "$CSVCTL" format --name vol2 lun.img
	grep -q "holds csv volume 'vol1'" err || die "EEXIST message: $(cat err)"
	"$CSVCTL" inspect lun.img > i2 && [ "$(ival i2 uuid)" = "$u1" ] || die "refused format wrote"
	"$CSVCTL" format --force --name vol2 lun.img > /dev/null || die "--force"
	"$CSVCTL" inspect lun.img > i3 || die "inspect after --force"
	[ "$(ival i3 volume)" = vol2 ] || die "--force name"
	u2=$(ival i3 uuid)
	[ "$u2" != "$u1" ] || die "same uuid twice"
	[[ $u2 =~ ^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$ ]] ||
		die "uuid $u2 not version 4"
	# A damaged superblock is no volume: format goes ahead without --force.
	printf 'X' | dd of=lun.img bs=1 seek=0 conv=notrunc status=none
	"$CSVCTL" format --name vol3 lun.img > /dev/null || die "format over a bad magic"
	# Names: 1..31 of [A-Za-z0-9._-].
	n=$(printf 'n%.0s' $(seq 31))
	"$CSVCTL" format --force --name "$n" lun.img > /dev/null || die "31-char name"
	csvfail 1 ENAMETOOLONG "$CSVCTL" format --force --name "${n}x" lun.img
	csvfail 1 EINVAL "$CSVCTL" format --force --name .vol lun.img
	csvfail 1 EINVAL "$CSVCTL" format --force --name 'a/b' lun.img
	csvfail 1 EINVAL "$CSVCTL" format --force --name '' lun.img
	# Room for one allocation unit at least.
	truncate -s $(((2 << 20) - 512)) small.img
	csvfail 1 ENOSPC "$CSVCTL" format --name s small.img
	truncate -s 2M small.img
	"$CSVCTL" format --name s small.img > out && grep -q 'data_units 1$' out || die "2 MiB LUN"
	csvfail 1 ENOENT "$CSVCTL" format --name s nosuch.img
	csvfail 1 ENOTBLK "$CSVCTL" format --name s /dev/null
	return 0
}

t_csvctl_inspect() {
	truncate -s 64M lun.img
	"$CSVCTL" format --name vol1 lun.img > /dev/null || return 1
	cp lun.img ref.img
	# One flipped byte of the name.
	printf 'W' | dd of=lun.img bs=1 seek=48 conv=notrunc status=none
	csvfail 1 EUCLEAN "$CSVCTL" inspect lun.img
	grep -q '^csvctl: lun.img: superblock checksum mismatch (EUCLEAN)$' err ||
		die "checksum message: $(cat err)"
	printf 'X' | dd of=lun.img bs=1 seek=0 conv=notrunc status=none
	csvfail 1 EINVAL "$CSVCTL" inspect lun.img
	grep -q 'no csv superblock (bad magic)' err || die "magic message: $(cat err)"
	cp ref.img lun.img
	truncate -s 32M lun.img
	csvfail 1 EINVAL "$CSVCTL" inspect lun.img
	grep -q 'LUN smaller than the volume' err || die "small LUN: $(cat err)"
	csvfail 1 ENOENT "$CSVCTL" inspect nosuch.img

	# A volume with disks and nodes, copy B newer than copy A.
	"$CSV_UNIT" mkvol vol.img || die "csv_unit mkvol"
	"$CSVCTL" inspect vol.img > i || die "inspect mkvol"
	cat i
	grep -q '^table A: valid, generation 4, epoch 2, writer 1$' i || die "copy A"
	grep -q '^table B: valid, generation 5, epoch 3, writer 2$' i || die "copy B"
	grep -q '^current: B, generation 5, next_id 3$' i || die "current B"
	grep -q '^nodes: 2$' i || die "node count"
	grep -q '^  node 1 addr 10.0.0.1 port 7405 join_epoch 1$' i || die "node 1"
	grep -q '^  node 2 addr fd00::2 port 7406 join_epoch 3$' i || die "node 2 (IPv6)"
	grep -q 'node 3' i && die "node 3 left, still listed"
	grep -q '^disks: 2$' i || die "disk count"
	# vm1 (once "old") was boxed in by vm2: a second extent after it.
	[ "$(awk '$1 == "vm1" { print $2, $3, $4, $5 }' i)" = "1 3145728 2 0+1,5+2" ] ||
		die "vm1: $(grep vm1 i)"
	[ "$(awk '$1 == "vm2" { print $2, $3, $4, $5 }' i)" = "2 3146240 1 1+4" ] ||
		die "vm2: $(grep vm2 i)"
	[ "$(ival i free_units)" = $((63 - 3 - 4)) ] || die "free units"
	# Copy B torn: copy A (generation 4) is the current one.
	printf 'Z' | dd of=vol.img bs=1 seek=$((128 * 1024 + 500)) conv=notrunc status=none
	"$CSVCTL" inspect vol.img > i || die "inspect with copy B torn"
	grep -q '^table B: invalid (disk table checksum mismatch), generation 5' i || die "B invalid"
	grep -q '^current: A, generation 4, next_id 2$' i || die "fallback to A"
	grep -q '^  old ' i && grep -q '^nodes: 0$' i || die "copy A contents"
	printf 'Z' | dd of=vol.img bs=1 seek=$((64 * 1024 + 500)) conv=notrunc status=none
	csvfail 1 EUCLEAN "$CSVCTL" inspect vol.img
	grep -q 'no valid disk table' err || die "both torn: $(cat err)"
	return 0
}

t_csvctl_usage() {
	local s
	csvfail 2 - "$CSVCTL"
	csvfail 2 - "$CSVCTL" frob
	csvfail 2 - "$CSVCTL" format lun.img
	csvfail 2 - "$CSVCTL" format --name v
	csvfail 2 - "$CSVCTL" format --name v a b
	csvfail 2 - "$CSVCTL" inspect
	csvfail 2 - "$CSVCTL" join lun.img
	csvfail 2 - "$CSVCTL" join lun.img --addr 10.0.0.300
	csvfail 2 - "$CSVCTL" join lun.img --addr 10.0.0.1 --port 65536
	csvfail 2 - "$CSVCTL" join lun.img --addr 10.0.0.1 --timeout x
	csvfail 2 - "$CSVCTL" leave
	csvfail 2 - "$CSVCTL" status a b
	csvfail 2 - "$CSVCTL" list
	csvfail 2 - "$CSVCTL" create v d
	csvfail 2 - "$CSVCTL" create v d 10X
	csvfail 2 - "$CSVCTL" resize v d
	csvfail 2 - "$CSVCTL" resize --frob v d 1M
	csvfail 2 - "$CSVCTL" rename v d
	csvfail 2 - "$CSVCTL" open v
	csvfail 2 - "$CSVCTL" open --wait -1 v d
	csvfail 2 - "$CSVCTL" close v
	"$CSVCTL" --help | grep -q 'csvctl(8)' || die "help"
	"$CSVCTL" --version | grep -q '^csvctl ' || die "version"
	# SIZE: bytes, or K M G T (either case), powers of 1024.
	for s in 0:0 512:512 1K:1024 1k:1024 10M:10485760 3G:3221225472 \
		 2T:2199023255552 16777215T:18446742974197923840 \
		 18446744073709551615:18446744073709551615; do
		[ "$("$CSVCTL" __parse-size "${s%%:*}")" = "${s#*:}" ] ||
			die "size ${s%%:*}: $("$CSVCTL" __parse-size "${s%%:*}" 2>&1)"
	done
	for s in '' K 1.5G 1KB 1KiB -1 ' 1' 1P 16777216T 18446744073709551616; do
		csvfail 2 - "$CSVCTL" __parse-size "$s"
	done
	# No csv.ko: the control device is named, and the errno.
	export CSVCTL_CONTROL=$PWD/no-such-control
	csvfail 1 ENOENT "$CSVCTL" status
	grep -q "^csvctl: status: $PWD/no-such-control (is csv.ko loaded?): No such file or directory (ENOENT)$" err ||
		die "no control device: $(cat err)"
	csvfail 1 ENOENT "$CSVCTL" create vol1 d 1M
	grep -q "^csvctl: create vol1/d: $PWD/no-such-control" err || die "create message: $(cat err)"
	# Something that is not csv.ko's.
	: > notctl
	export CSVCTL_CONTROL=$PWD/notctl
	csvfail 1 ENOTTY "$CSVCTL" list vol1
	grep -q '^csvctl: list vol1: Inappropriate ioctl for device (ENOTTY)$' err ||
		die "ENOTTY message: $(cat err)"
	# Names are checked before they are copied into the request.
	csvfail 1 ENAMETOOLONG "$CSVCTL" create vol1 "$(printf 'd%.0s' $(seq 48))" 1M
	grep -q "^csvctl: create vol1/d*: File name too long (ENAMETOOLONG)$" err ||
		die "ENAMETOOLONG message: $(cat err)"
	csvfail 1 EINVAL "$CSVCTL" open vol1 ../x
	csvfail 1 ENAMETOOLONG "$CSVCTL" status "$(printf 'v%.0s' $(seq 32))"
	return 0
}

# The online commands, csv.ko played by csv_fake.so.
fk() {
	LD_PRELOAD=$CSV_FAKE CSV_FAKE_STATE=$PWD/state CSVCTL_CONTROL=$PWD/ctl \
		CSVCTL_DEVDIR=$PWD/dev "$CSVCTL" "$@"
}

t_csvctl_online() {
	local i gen
	[ -f "$CSV_FAKE" ] || skipit "no $CSV_FAKE"
	: > ctl
	mkdir dev
	truncate -s 300M lun.img
	"$CSVCTL" format --name vol1 lun.img > /dev/null || return 1
	[ "$(fk join lun.img --addr 192.0.2.7 --port 7500 --timeout 5)" = "volume vol1 node 1" ] ||
		die "join: $(cat err)"
	csvfail 1 EEXIST fk join lun.img --addr 192.0.2.7
	fk status > s || die "status"
	cat s
	[ "$(awk -F: '{ print $1 }' s | tr '\n' ' ')" = "volume node role coordinator members epoch generation lun_bytes free_bytes alloc_unit disks open_disks path redirect fenced " ] ||
		die "status keys: $(awk -F: '{ print $1 }' s | tr '\n' ' ')"
	[ "$(ival s volume)" = vol1 ] && [ "$(ival s role)" = coordinator ] &&
		[ "$(ival s free_bytes)" = $((299 << 20)) ] || die "status values"
	fk status vol1 | cmp - s || die "status vol1 differs"
	csvfail 1 ENOENT fk status vol2
	# Forced redirection of the volume lives in the table.
	[ "$(ival s redirect)" = off ] || die "redirect before"
	fk redirect --volume vol1 on || die "redirect --volume on"
	[ "$(fk status | ival /dev/stdin redirect)" = volume ] || die "redirect --volume not in status"
	"$CSVCTL" inspect lun.img | grep -q 'redirected' || die "inspect does not show the volume's redirection"
	fk redirect -v vol1 off || die "redirect -v off"
	[ "$(fk status | ival /dev/stdin redirect)" = off ] || die "redirect off"
	fk redirect vol1 on || die "redirect (this node) on"
	csvfail 1 ENOTCONN fk redirect vol2 on
	csvfail 2 - fk redirect vol1 sideways
	csvfail 2 - fk redirect vol1
	# The join is on the LUN: node slot with our address and port.
	"$CSVCTL" inspect lun.img | grep -q '^  node 1 addr 192.0.2.7 port 7500 ' || die "node slot"

	# More disks than the first CSV_LIST room (16): list grows and retries.
	for i in $(seq 1 20); do
		fk create vol1 d$i ${i}M > out || die "create d$i: $(cat err)"
		[ "$(cat out)" = "vol1/d$i id $i" ] || die "create said: $(cat out)"
	done
	fk list vol1 > l || die "list"
	head -n 1 l | grep -q '^NAME  *ID  *BYTES  *EXTENTS  *STATE$' || die "list header: $(head -n 1 l)"
	[ "$(wc -l < l)" = 21 ] || die "list rows: $(wc -l < l)"
	[ "$(awk '$1 == "d20" { print $2, $3, $4, $5 }' l)" = "20 20971520 1 closed" ] ||
		die "d20 row: $(grep d20 l)"
	fk list -n vol1 > ln && [ "$(wc -l < ln)" = 20 ] && ! grep -q NAME ln || die "list -n"
	csvfail 1 ENOSPC fk create vol1 big 1G
	csvfail 1 EEXIST fk create vol1 d1 1M
	csvfail 1 EINVAL fk create vol1 odd 1000
	csvfail 1 ENAMETOOLONG fk create vol1 "$(printf 'x%.0s' $(seq 48))" 1M
	csvfail 1 ENOTCONN fk create vol2 x 1M
	for i in $(seq 3 20); do
		fk delete vol1 d$i || die "delete d$i"
	done
	csvfail 1 ENOENT fk delete vol1 d3
	# Resize: grows; smaller only with --shrink.
	fk resize vol1 d1 8M || die "resize grow: $(cat err)"
	csvfail 1 EINVAL fk resize vol1 d1 4M
	fk resize --shrink vol1 d1 4M || die "resize --shrink"
	[ "$(fk list -n vol1 | awk '$1 == "d1" { print $3 }')" = 4194304 ] || die "d1 size"
	csvfail 1 EEXIST fk rename vol1 d1 d2
	fk rename vol1 d1 web01 || die "rename"
	fk list -n vol1 | grep -q '^web01 ' || die "renamed disk not listed"

	# Open: /dev/csv/VOL/DISK -> ../../csvN; the state in the list.
	[ "$(fk open vol1 web01)" = "$PWD/dev/csv/vol1/web01" ] || die "open: $(cat err)"
	[ "$(readlink dev/csv/vol1/web01)" = ../../csv0 ] || die "symlink: $(readlink dev/csv/vol1/web01)"
	[ "$(fk open --read-only vol1 d2)" = "$PWD/dev/csv/vol1/d2" ] || die "open ro"
	[ "$(readlink dev/csv/vol1/d2)" = ../../csv1 ] || die "ro symlink"
	fk list -n vol1 > l
	grep -q '^web01 .* rw /dev/csv0$' l && grep -q '^d2 .* ro /dev/csv1$' l || die "list states: $(cat l)"
	[ "$(fk status | ival /dev/stdin open_disks)" = 2 ] || die "open_disks"
	csvfail 1 EBUSY fk open vol1 web01
	csvfail 1 EBUSY fk delete vol1 web01
	csvfail 1 EBUSY fk leave vol1
	# Live migration: the target waits while the source closes.
	# The source is another node: its /dev is not ours.
	(sleep 0.3; mkdir -p dev-src; CSVCTL_DEVDIR=$PWD/dev-src fk close vol1 web01) &
	fk open --wait 5 vol1 web01 > out || die "open --wait: $(cat err)"
	wait
	[ "$(cat out)" = "$PWD/dev/csv/vol1/web01" ] && [ -L dev/csv/vol1/web01 ] ||
		die "after --wait: $(cat out)"
	# Without --wait (or past it): EBUSY at once.
	csvfail 1 EBUSY fk open --wait 0.05 vol1 web01
	# Close: link gone, folders too once empty.
	fk close vol1 web01 || die "close"
	[ ! -e dev/csv/vol1/web01 ] && [ -L dev/csv/vol1/d2 ] || die "close web01 links"
	csvfail 1 ENXIO fk close vol1 web01
	fk close vol1 d2 || die "close d2"
	[ ! -e dev/csv ] || die "dev/csv left behind: $(ls -R dev)"
	fk list -n vol1 | grep -q ' closed$' || die "closed state"
	# The table on the LUN is the one csv_fake kept, at its generation.
	gen=$(fk status | ival /dev/stdin generation)
	"$CSVCTL" inspect lun.img > i || die "inspect"
	grep -q "^current: [AB], generation $gen, next_id 21\$" i || die "inspect generation $gen: $(grep current i)"
	grep -q '^  web01  *1  *4194304 ' i || die "web01 on disk: $(grep web01 i)"
	fk leave vol1 || die "leave"
	csvfail 1 ENOENT fk status
	"$CSVCTL" inspect lun.img | grep -q '^nodes: 0$' || die "node still joined"
	return 0
}

t csvctl-format t_csvctl_format
t csvctl-inspect t_csvctl_inspect
t csvctl-usage t_csvctl_usage
t csvctl-online t_csvctl_online
