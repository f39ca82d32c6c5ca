#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad requests get precise errors, from members and from the coordinator
# alike; a hostile peer on the metadata port is refused and logged; a grown
# disk grows where it is open; a corrupt superblock refuses to join.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")

csv_up $all || ksft_fail "volume did not come up"
csv 2 create $CSV_VOL a 16M || ksft_fail "create a"
long=$(printf 'x%.0s' $(seq 48))
for n in 1 2; do
	csv_errno $n ENOENT open $CSV_VOL nosuch || ksft_fail "open unknown"
	csv_errno $n ENOENT delete $CSV_VOL nosuch || ksft_fail "delete unknown"
	csv_errno $n ENOENT resize $CSV_VOL nosuch 8M || ksft_fail "resize unknown"
	csv_errno $n ENAMETOOLONG create $CSV_VOL $long 1M || ksft_fail "48-char name"
	csv_errno $n EINVAL create $CSV_VOL .hidden 1M || ksft_fail "name with a leading dot"
	csv_errno $n EEXIST create $CSV_VOL a 1M || ksft_fail "create existing"
	csv_errno $n ENOSPC create $CSV_VOL huge 1T || ksft_fail "create beyond the LUN"
	csv_errno $n EINVAL create $CSV_VOL odd 1000 || ksft_fail "size not a multiple of 512"
	csv_errno $n EINVAL resize $CSV_VOL a 8M || ksft_fail "resize below the data"
	csv_errno $n ENOTCONN create nosuchvol b 1M || ksft_fail "volume not joined here"
done
csv 3 create $CSV_VOL b 8M && csv 3 rename $CSV_VOL b c || ksft_fail "create + rename"
csv_errno 1 EEXIST rename $CSV_VOL c a || ksft_fail "rename onto an existing name"
[ "$(csv 1 list -n $CSV_VOL | awk '{print $1}' | sort | xargs)" = "a c" ] ||
	ksft_fail "after rename: $(csv 1 list -n $CSV_VOL)"
cl_log "bad requests refused from a member and from the coordinator"

# Grow a disk node 2 has open, from node 3: node 2 sees the new size, the
# data stay. Shrinking it while open is EBUSY even with --shrink.
sum=$(node_run 2 "$CSVCTL open $CSV_VOL a > /dev/null &&
	head -c 16M /dev/urandom > /tmp/a && dd if=/tmp/a of=/dev/csv/$CSV_VOL/a bs=1M oflag=direct status=none &&
	sha256sum < /tmp/a | cut -c1-64") || ksft_fail "write a: $sum"
csv 3 resize $CSV_VOL a 40M || ksft_fail "grow a"
node_wait_for 2 10 "[ \$(blockdev --getsize64 /dev/csv/$CSV_VOL/a) = 41943040 ]" ||
	ksft_fail "node 2 did not see a grow to 40M"
got=$(node_run 2 "dd if=/dev/csv/$CSV_VOL/a bs=1M count=16 iflag=direct status=none | sha256sum | cut -c1-64")
[ "$got" = "$sum" ] || ksft_fail "data of a changed across the grow"
node_run 2 "dd if=/dev/urandom of=/dev/csv/$CSV_VOL/a bs=1M seek=39 count=1 oflag=direct status=none" ||
	ksft_fail "write into the grown part"
csv_errno 3 EBUSY resize --shrink $CSV_VOL a 8M || ksft_fail "shrink while open"
csv 2 close $CSV_VOL a && csv 3 resize --shrink $CSV_VOL a 8M || ksft_fail "shrink when closed"
[ "$(csv 1 list -n $CSV_VOL | awk '$1 == "a" {print $3}')" = 8388608 ] || ksft_fail "size after shrink"

# A hostile peer: bad magic, an unknown request, a node that is not a
# member, a member's id from another address, a short frame, an I/O
# connection or a redirect without the right to it.
uuid=$(node_run 3 "$CSVCTL inspect /dev/mapper/shared" | sed -n 's/^uuid: //p')
peer() { node_run 3 "python3 -S \$SRC/selftests/cluster/csv_peer.py 10.77.0.1 7405 $uuid $*"; }
[ "$(peer 3 create x 1048576 --magic=0x1234)" = 22 ] || ksft_fail "bad magic not EINVAL"
[ "$(peer 3 bogus)" = 22 ] || ksft_fail "unknown request not EINVAL"
[ "$(peer 9 create x 1048576)" = 1 ] || ksft_fail "non-member not EPERM"
[ "$(peer 2 create x 1048576)" = 1 ] || ksft_fail "node 2's id from node 3 not EPERM"
[ "$(peer 3 create x 1048576 --short)" = closed ] || ksft_fail "short frame answered"
# Nor may a stranger open a connection of redirected I/O, or switch the
# volume's redirection: a non-member, a member's id without its token.
[ "$(peer 9 io)" = 1 ] || ksft_fail "I/O connection of a non-member not EPERM"
[ "$(peer 3 io)" = 1 ] || ksft_fail "I/O connection without the token not EPERM"
[ "$(peer 9 redirect)" = 1 ] || ksft_fail "redirect from a non-member not EPERM"
[ "$(csv_attr 1 requests_refused)" = 8 ] || ksft_fail "refused $(csv_attr 1 requests_refused), want 8"
[ "$(csv_attr 1 redirect_volume)" = 0 ] || ksft_fail "a refused request switched the volume's redirection"
csv_errno 1 ENOENT open $CSV_VOL x || ksft_fail "a refused request created x"
node_run 1 "dmesg | grep -q 'csv: vol1: request from node 9 refused'" ||
	ksft_fail "no kernel message naming the refused node"

# Node 3 leaves: it is no member any more.
csv 3 leave $CSV_VOL || ksft_fail "leave"
csv_errno 3 ENOTCONN create $CSV_VOL y 1M || ksft_fail "create after leave"
[ "$(csv_attr 1 members)" = "1 2" ] || ksft_fail "members after leave: $(csv_attr 1 members)"

# A corrupt superblock: node 3 cannot join, and says why; repaired, it can.
node_run 3 "dd if=/dev/mapper/shared of=/tmp/sb bs=4096 count=1 iflag=direct status=none &&
	printf 'X' | dd of=/dev/mapper/shared bs=1 seek=100 conv=notrunc status=none && sync" ||
	ksft_fail "corrupt the superblock"
csv_errno 3 EUCLEAN join /dev/mapper/shared --addr 10.77.0.3 || ksft_fail "join with a corrupt superblock"
node_run 3 "dmesg | grep -q 'csv: dm-0: refusing to join: superblock checksum mismatch'" ||
	ksft_fail "no kernel message about the superblock"
node_run 3 "printf 'XXXXXXXX' | dd of=/dev/mapper/shared bs=1 conv=notrunc status=none && sync" ||
	ksft_fail "break the magic"
csv_errno 3 EINVAL join /dev/mapper/shared --addr 10.77.0.3 || ksft_fail "join without a csv superblock"
node_run 3 "dd if=/tmp/sb of=/dev/mapper/shared bs=4096 oflag=direct status=none" || ksft_fail "restore"
csv_join 3 || ksft_fail "join after the repair"
[ "$(csv 3 list -n $CSV_VOL | awk '{print $1}' | sort | xargs)" = "a c" ] || ksft_fail "disks after rejoin"
ksft_pass "precise errors for bad names, sizes, disks, peers and superblocks"
