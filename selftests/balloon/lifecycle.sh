#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Balloon pages across the driver's life: compaction moves 4 KiB balloon
# pages (balloon_migrate in /proc/vmstat, migrated_pages in sysfs) and the
# balloon keeps its size; a rescind of an inflated device and an unload
# of an inflated dynmem.ko each give every page back (MemTotal as before).
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/balloon/dm_lib.sh"
dm_setup use_2m=0
dm_offer
MB=256
total0=$(dm_meminfo MemTotal)

# --- compaction with a balloon of 4 KiB pages scattered over memory:
# inflate most of it, give most back, so balloon pages sit among holes.
# Whether compaction has work to do depends on the layout, so up to six
# rounds (three once found nothing in CI).
mig0=$(awk '$1 == "balloon_migrate" { print $2 }' /proc/vmstat)
for round in 1 2 3 4 5 6; do
	free_mb=$(( $(dm_meminfo MemAvailable) / 1024 ))
	dm_target $(( (free_mb - 400 + $(dm_g balloon_pages) / MB) * MB )) 120
	dm_target $((256 * MB))
	echo 1 > /proc/sys/vm/compact_memory
	echo 1 > /proc/sys/vm/compact_memory
	[ "$(dm_g migrated_pages)" -gt 0 ] && break
	echo "round $round: compaction found nothing to move"
done
mig1=$(awk '$1 == "balloon_migrate" { print $2 }' /proc/vmstat)
[ "$(dm_g migrated_pages)" -gt 0 ] || ksft_fail "compaction moved no balloon page"
[ "$mig1" -gt "$mig0" ] || ksft_fail "balloon_migrate did not move ($mig0 -> $mig1)"
[ "$(dm_g balloon_pages)" = $((256 * MB)) ] || ksft_fail "balloon size changed: $(dm_g balloon_pages)"
echo "compaction moved $(dm_g migrated_pages) balloon pages"
dm_target 0
[ "$(dm_meminfo MemTotal)" = "$total0" ] || ksft_fail "MemTotal after deflating migrated pages"

# --- rescind with an inflated balloon
dm_target $((128 * MB))
echo 1 > $DM_HOST/rescind
dm_until 10 '! dm_gdev > /dev/null' || ksft_fail "device still bound after rescind"
[ "$(dm_meminfo MemTotal)" = "$total0" ] || ksft_fail "rescind kept pages: MemTotal $(dm_meminfo MemTotal) vs $total0"
echo "rescind returned the balloon"

# --- unload with an inflated balloon (2 MiB and 4 KiB pages)
dm_param use_2m 1
dm_offer
dm_target $((300 * MB))
rmmod dynmem || ksft_fail "rmmod dynmem"
[ "$(dm_meminfo MemTotal)" = "$total0" ] || ksft_fail "unload kept pages: MemTotal $(dm_meminfo MemTotal) vs $total0"
ksft_pass "compaction moves balloon pages; rescind and unload return every page"
